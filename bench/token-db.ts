/**
 * The benchmarks' million-token gateway database: built once with a fast bulk insert (one
 * transaction, one prepared statement, progress on stderr) and cached under bench/.cache/ keyed by
 * token count and schema version, so `npm run bench` pays for it only the first time.
 *
 * The cache holds a copy that is never opened for serving; each benchmark run gets a fresh copy
 * (a file copy takes well under a second), so runs cannot disturb each other or the cache.
 *
 * The build runs in a process of its own (`node --import tsx bench/token-db.ts --build N`): its
 * 256 MB page cache and the bulk insert's allocations stay with the heap the allocator keeps, so
 * a gateway that built the file itself reported ~420 MB RSS on a fresh checkout against ~200 MB
 * with the cache present (regression, 2026-12-07).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '../src/store/sqlite/index.ts';
import { GATEWAY_MIGRATIONS } from '../src/store/sqlite/migrations.ts';
import { isMain, log } from './lib.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = path.join(ROOT, 'bench', '.cache');
/** Synthetic owners of the filler tokens (not users: their tokens are never called). */
const OWNERS = 50_000;

const SELF = fileURLToPath(import.meta.url);

function cacheFile(tokens: number): string {
  return path.join(CACHE_DIR, `gateway-${tokens}-tokens-schema-v${GATEWAY_MIGRATIONS.at(-1)!.version}.db`);
}

/** The cached database of `tokens` tokens, built first (in a child process) when missing. */
export function cachedDatabase(tokens: number): string {
  const file = cacheFile(tokens);
  if (existsSync(file)) return file;
  const built = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--build', String(tokens)], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0 || !existsSync(file)) throw new Error(`building the ${tokens.toLocaleString('en')}-token database failed (exit ${built.status ?? built.signal})`);
  return file;
}

function buildDatabase(tokens: number): void {
  const file = cacheFile(tokens);
  if (existsSync(file)) return;
  mkdirSync(CACHE_DIR, { recursive: true });
  const building = `${file}.building-${process.pid}`;
  rmSync(building, { force: true });
  const t0 = performance.now();
  const store = createSqliteStore(building);
  const db = store.db;
  // Bulk-load settings for this one-off build only (the served copy runs with the normal pragmas).
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144'); // 256 MB: the random-key index inserts stay in memory
  const insert = db.prepare(
    `INSERT INTO tokens (id, kind, owner_id, description, secret_hash, created_at, last_used_at, expired_at, created_by_id, singular)
     VALUES (?, 'user', ?, NULL, ?, ?, NULL, NULL, ?, 0)`,
  );
  const owners = Array.from({ length: OWNERS }, (_, i) => `user-bench${String(i).padStart(11, '0')}`);
  const prefix = randomBytes(7).toString('hex');
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < tokens; i++) {
      const owner = owners[i % OWNERS]!;
      // Hashes of distinct secrets, as real ones are (the index sees the same random keys).
      const hash = createHash('sha256').update(`${prefix}.atlasv1.${i}`).digest('hex');
      insert.run(`at-${prefix.slice(0, 6)}${i.toString(36).padStart(10, '0')}`, owner, hash, now, owner);
      if ((i + 1) % 100_000 === 0) log(`  bench: building the ${tokens.toLocaleString('en')}-token database ${i + 1}/${tokens} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  })();
  db.pragma('journal_mode = WAL');
  void store.close();
  renameSync(building, file);
  log(`  bench: built ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** A fresh data directory holding a copy of the cached database (the run may write to it). */
export function dataDirWith(tokens: number, runDir: string): string {
  const source = cachedDatabase(tokens);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  copyFileSync(source, path.join(runDir, 'gateway.db'));
  return runDir;
}

if (isMain(import.meta.url)) {
  const i = process.argv.indexOf('--build');
  const tokens = Number(process.argv[i + 1]);
  if (i < 0 || !Number.isSafeInteger(tokens) || tokens < 0) {
    process.stderr.write('usage: node --import tsx bench/token-db.ts --build TOKENS\n');
    process.exit(2);
  }
  buildDatabase(tokens);
}
