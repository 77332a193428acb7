/**
 * A node --test reporter that sums, per test file, the durations of its top-level tests and
 * suites, and prints the files slowest first with their share of the total. Node 20 reports no
 * per-file duration of its own; a file's top-level tests run one after another, so their sum is
 * the file's wall time minus its process start-up. Use it beside the normal reporter:
 *   node --import tsx --test --test-reporter=spec --test-reporter-destination=stdout \
 *     --test-reporter=./scripts/file-durations-reporter.mjs --test-reporter-destination=durations.txt ...
 * docs/testing.md says why the shares matter more than the seconds on a shared machine.
 */
import path from 'node:path';

export default async function* fileDurations(source) {
  const perFile = new Map();
  const cwd = process.cwd();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) continue;
    const file = event.data.file ? path.relative(cwd, event.data.file) : '(unknown file)';
    const entry = perFile.get(file) ?? { ms: 0, tests: 0, failed: 0 };
    entry.ms += event.data.details?.duration_ms ?? 0;
    entry.tests += 1;
    if (event.type === 'test:fail') entry.failed += 1;
    perFile.set(file, entry);
  }
  const rows = [...perFile].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, e]) => sum + e.ms, 0);
  yield `${rows.length} files, ${(total / 1000).toFixed(1)} s of test time in all\n`;
  for (const [file, e] of rows) {
    yield `${(e.ms / 1000).toFixed(1).padStart(7)} s ${((100 * e.ms) / (total || 1)).toFixed(1).padStart(5)} %  ${file}${e.failed ? `  (${e.failed} failed)` : ''}\n`;
  }
}
