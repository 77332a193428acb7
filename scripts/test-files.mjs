#!/usr/bin/env node
/**
 * Prints what `npm test` runs: a few test files in processes of their own and the rest grouped
 * into bundles, the heaviest first.
 *
 * Why bundles: on Node 20 the test runner starts one process per file, and each process pays
 * about 2 s of CPU before its first test (tsx, the module graph of express, xmldom, SQLite,
 * pino, zod, then the JIT warming up on the first login). With ~150 files that was more than
 * half of the CPU of a run on the 2-core machine. A bundle is a generated module under
 * test/.bundles/ that imports several test files, so they share one process and register their
 * tests on its one root; the runner still reports every test (each keeps its own name and file
 * location in the output). Node 22's --experimental-test-isolation=none does the same thing for
 * the whole run; it is not in Node 20.
 *
 * Order: longest-processing-time-first. With --test-concurrency=2 a run ends when its last unit
 * does, so the heaviest units start first and the light ones fill the other slot around them.
 * WEIGHTS are CPU seconds per file as measured (scripts/test-weights.json; docs/testing.md says
 * how to re-measure); a file that is not in it counts as DEFAULT_WEIGHT. Weights only order and
 * group: every file the walk finds runs exactly once.
 *
 * Usage: `node scripts/test-files.mjs` writes the bundles and prints the units;
 *        `node scripts/test-files.mjs --files` prints every test file, one process each (the
 *        old way, e.g. to measure per-file times).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Files that must keep a process of their own, each with the reason. Everything else may share
 * a process with other test files.
 */
export const ISOLATED = {
  'test/gateway/pending-login-cookie.test.ts': 'bounds the RSS and heap growth of its own process over 20,000 requests',
  'test/util/time-text.test.ts': 'sets process.env.TZ, which changes every Date of the process',
  'test/interop/go-tfe.test.ts': 'runs go-tfe in lanes of its own (Go processes that mostly wait); START_FIRST starts it before the bundles',
};

/**
 * Folders whose files share one bundle of their own, each with the reason: they share something
 * a process can hold only once.
 */
export const GROUPS = {
  'test/browser/': 'the browser files share one Chromium per process (test/browser/support.ts): together they launch it once, not once a file',
};

/**
 * Units that start before everything else whatever their CPU weight: go-tfe's lanes mostly wait
 * on go-tfe's own polling sleeps (0.5-2 s), so its wall time is several times its CPU and it
 * leaves its core to the others; started first, it overlaps the whole run instead of ending it.
 */
export const START_FIRST = ['test/interop/go-tfe.test.ts'];

/** CPU seconds per file, measured (scripts/test-weights.json). */
export const WEIGHTS = JSON.parse(readFileSync(path.join(root, 'scripts/test-weights.json'), 'utf8'));
export const DEFAULT_WEIGHT = 3;
/** About a minute of CPU per bundle: big enough to amortise the ~2 s start, small enough to balance two slots. */
export const BUNDLE_WEIGHT = 60;
export const BUNDLE_DIR = 'test/.bundles';

/** Every test/**\/*.test.ts, sorted by path (the bundles folder holds no .test.ts). */
export function testFiles(dir = path.join(root, 'test')) {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.posix.join('test', f.split(path.sep).join('/')))
    .sort();
}

const weightOf = (f) => WEIGHTS[f] ?? DEFAULT_WEIGHT;

/**
 * The run's units: { name, files, weight }, heaviest first. Isolated files are units of one;
 * the others are packed into bundles of about BUNDLE_WEIGHT by LPT (each file, heaviest first,
 * goes to the lightest bundle).
 */
export function plan(files = testFiles()) {
  const alone = files.filter((f) => f in ISOLATED).map((f) => ({ name: f, files: [f], weight: weightOf(f) }));
  const groupOf = (f) => Object.keys(GROUPS).find((prefix) => f.startsWith(prefix));
  const grouped = Object.keys(GROUPS).map((prefix) => {
    const members = files.filter((f) => !(f in ISOLATED) && groupOf(f) === prefix);
    return { files: members, weight: members.reduce((sum, f) => sum + weightOf(f), 0) };
  }).filter((g) => g.files.length > 0);
  const shared = files.filter((f) => !(f in ISOLATED) && !groupOf(f)).sort((a, b) => weightOf(b) - weightOf(a) || (a < b ? -1 : 1));
  const total = shared.reduce((sum, f) => sum + weightOf(f), 0);
  const count = Math.max(1, Math.round(total / BUNDLE_WEIGHT));
  const bundles = [
    ...grouped,
    ...Array.from({ length: Math.min(count, shared.length) }, () => ({ files: [], weight: 0 })),
  ].map((b, i) => ({ name: `${BUNDLE_DIR}/bundle-${String(i + 1).padStart(2, '0')}.test.mjs`, files: b.files, weight: b.weight }));
  const open = bundles.slice(grouped.length);
  for (const f of shared) {
    const lightest = open.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.files.push(f);
    lightest.weight += weightOf(f);
  }
  for (const b of bundles) b.files.sort();
  const first = (u) => (START_FIRST.includes(u.name) ? 0 : 1);
  return [...alone, ...bundles].sort((a, b) => first(a) - first(b) || b.weight - a.weight);
}

/**
 * Writes the bundle modules into dir (test/.bundles by default) and removes bundles of an earlier
 * plan; returns the unit paths to hand to `node --test`. A file whose text is unchanged is not
 * rewritten, so a second call (the test of this script) never pulls a bundle from under a run.
 */
export function writeBundles(units = plan(), dir = path.join(root, BUNDLE_DIR)) {
  mkdirSync(dir, { recursive: true });
  const wanted = new Map();
  for (const u of units) {
    if (!u.name.startsWith(`${BUNDLE_DIR}/`)) continue;
    const imports = u.files.map((f) => `import '../${f.slice('test/'.length)}';`).join('\n');
    wanted.set(path.basename(u.name), `// Generated by scripts/test-files.mjs for npm test; do not edit (it is rewritten on every run).\n// ${u.files.length} test files sharing one process, ~${Math.round(u.weight)} s of CPU as measured.\n${imports}\n`);
  }
  for (const f of readdirSync(dir)) if (!wanted.has(f)) rmSync(path.join(dir, f), { force: true });
  for (const [f, text] of wanted) {
    const file = path.join(dir, f);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  }
  return units.map((u) => u.name);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.includes('--files') ? testFiles().sort((a, b) => weightOf(b) - weightOf(a) || (a < b ? -1 : 1)) : writeBundles();
  process.stdout.write(`${files.join('\n')}\n`);
}
