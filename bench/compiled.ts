/**
 * The compiled product for the benchmarks that measure it (start-up, the gateway's RSS): dist/
 * built from the src/ being measured, by `npm run build` (~3 s) before the first measurement.
 *
 * Why always build: bin/samlgate.js runs src/ through tsx when dist/ is older than src/ (so a
 * checkout never runs stale code), so a "compiled" number taken on a stale dist/ was the tsx
 * number under the compiled name (regression, 2026-12-07: the compiled RSS line read 178 MB and
 * start-up 1,130 ms right after an edit). Building every time keeps bin/samlgate.js the one place
 * that decides what is stale.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './lib.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let built: boolean | undefined;

/** True once dist/ is built from the current src/ (once per process); false, with the reason logged, when the build fails. */
export function ensureCompiled(who: string): boolean {
  if (built !== undefined) return built;
  log(`${who}: npm run build (the compiled product is measured from the current src/)...`);
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
  built = b.status === 0 && existsSync(path.join(ROOT, 'dist', 'cli.js'));
  if (!built) log(`${who}: npm run build failed (exit ${b.status ?? b.signal}): the compiled product is not measured`);
  return built;
}
