/**
 * The compiled product for the benchmarks that measure it (start-up, the gateway's RSS): dist/
 * as `npm run build` leaves it, rebuilt here when it is missing or older than src/.
 *
 * Why rebuild rather than note it: bin/samlgate.js runs src/ through tsx when dist/ is older than
 * src/ (so a checkout never runs stale code), so a "compiled" number taken on a stale dist/ was
 * the tsx number under the compiled name (regression, 2026-12-07: the compiled RSS line read
 * 178 MB right after an edit, tsx's footprint).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './lib.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_CLI = path.join(ROOT, 'dist', 'cli.js');

/** As bin/samlgate.js decides: any file or directory under src/ changed after dist/cli.js was written. */
function changedSince(dir: string, since: number): boolean {
  if (statSync(dir).mtimeMs > since) return true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory() ? changedSince(full, since) : statSync(full).mtimeMs > since) return true;
  }
  return false;
}

/** True when dist/ is current (built now if needed); false, with the reason logged, when it cannot be. */
export function ensureCompiled(who: string): boolean {
  const why = !existsSync(DIST_CLI) ? 'missing' : changedSince(path.join(ROOT, 'src'), statSync(DIST_CLI).mtimeMs) ? 'older than src/' : null;
  if (why === null) return true;
  log(`${who}: dist/ is ${why}: npm run build...`);
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
  if (b.status === 0 && existsSync(DIST_CLI)) return true;
  log(`${who}: npm run build failed (exit ${b.status ?? b.signal}): the compiled product is not measured`);
  return false;
}
