/**
 * The benchmarks' million-token gateway database: built once with a fast bulk insert (one
 * transaction, one prepared statement, progress on stderr) and cached under bench/.cache/ keyed by
 * token count and schema version, so `npm run bench` pays for it only the first time.
 *
 * The cache holds a copy that is never opened for serving; each benchmark run gets a fresh copy
 * (a file copy takes well under a second), so runs cannot disturb each other or the cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '../src/store/sqlite/index.ts';
import { GATEWAY_MIGRATIONS } from '../src/store/sqlite/migrations.ts';
import { log } from './lib.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = path.join(ROOT, 'bench', '.cache');
/** Synthetic owners of the filler tokens (not users: their tokens are never called). */
const OWNERS = 50_000;

export function cachedDatabase(tokens: number): string {
  const version = GATEWAY_MIGRATIONS.at(-1)!.version;
  const file = path.join(CACHE_DIR, `gateway-${tokens}-tokens-schema-v${version}.db`);
  if (existsSync(file)) return file;
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
  return file;
}

/** A fresh data directory holding a copy of the cached database (the run may write to it). */
export function dataDirWith(tokens: number, runDir: string): string {
  const source = cachedDatabase(tokens);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  copyFileSync(source, path.join(runDir, 'gateway.db'));
  return runDir;
}
