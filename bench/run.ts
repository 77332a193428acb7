/**
 * Runs the benchmarks, each in its own child process (so one benchmark's heap, e.g. the million
 * tokens, cannot disturb the next), one after the other, and prints a summary table.
 *
 *   npm run bench                       # all, ~4-5 minutes
 *   npm run bench -- --quick            # smoke run, ~1-1.5 minutes
 *   npm run bench -- acs idp-issue      # only these
 *   BENCH_CPU_PROF=/tmp/prof npm run bench -- acs   # also write CPU profiles of the measured phase
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fmt, RESULT_MARK, type BenchResult } from './lib.ts';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const ALL = ['account-details', 'anonymous-session', 'acs', 'idp-issue', 'session-memory', 'startup', 'validate-batch'] as const;
/** Hard wall-clock limit per benchmark process. */
const LIMIT_S: Record<(typeof ALL)[number], [quick: number, full: number]> = {
  'account-details': [300, 420],
  'anonymous-session': [135, 270], // three variants (signed, unsigned, signed against a signing baseline)
  acs: [60, 120],
  'idp-issue': [60, 120],
  'session-memory': [60, 120],
  startup: [60, 120],
  'validate-batch': [120, 240],
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const named = args.filter((a) => !a.startsWith('--'));
const unknown = named.filter((n) => !(ALL as readonly string[]).includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(2);
}
const selected = named.length ? ALL.filter((n) => named.includes(n)) : [...ALL];

function runOne(name: (typeof ALL)[number]): Promise<{ results: BenchResult[]; error?: string; seconds: number }> {
  const t0 = performance.now();
  const limit = LIMIT_S[name][quick ? 0 : 1];
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(DIR, `${name}.ts`), ...(quick ? ['--quick'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const results: BenchResult[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith(RESULT_MARK)) results.push(JSON.parse(line.slice(RESULT_MARK.length)));
    else process.stdout.write(`${line}\n`);
  });
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, limit * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const error = timedOut ? `stopped after the ${limit} s limit` : code !== 0 ? `exited with ${code ?? signal}` : undefined;
      resolve({ results, error, seconds });
    });
  });
}

const t0 = performance.now();
console.log(`samlgate benchmarks${quick ? ' (--quick)' : ''}: ${selected.join(', ')}; node ${process.version}, ${(await import('node:os')).cpus().length} cpus`);
const rows: { name: string; value: string; target: string; status: string; seconds: number }[] = [];
for (const name of selected) {
  console.log(`\n== ${name}`);
  const { results, error, seconds } = await runOne(name);
  for (const r of results) {
    const value = r.unit === 'ratio' ? `${fmt(r.value, 2)}x` : r.unit === 'bytes' ? `${fmt(r.value)} B` : r.unit === 'MB' ? `${fmt(r.value)} MB` : r.unit === 'per-s' ? `${fmt(r.value, 1)}/s` : `${fmt(r.value)} ms`;
    const unit = r.unit === 'ratio' ? 'x' : r.unit === 'bytes' ? ' B' : r.unit === 'MB' ? ' MB' : r.unit === 'per-s' ? '/s' : ' ms';
    rows.push({ name: r.name, value, target: `${r.target.op} ${r.target.value}${unit}`, status: r.pass ? 'PASS' : 'MISS', seconds });
  }
  if (error || results.length === 0) rows.push({ name, value: '-', target: '-', status: `ERROR (${error ?? 'no result'})`, seconds });
}

const w = (s: string, n: number) => s.padEnd(n);
const n0 = Math.max(9, ...rows.map((r) => r.name.length));
console.log(`\nSummary${quick ? ' (--quick: fewer/shorter rounds, noisier)' : ''} — ratios are subject/baseline measured side by side in the same run`);
console.log(`${w('benchmark', n0)}  ${w('measured', 10)}  ${w('target', 10)}  ${w('result', 6)}  time`);
console.log(`${'-'.repeat(n0)}  ${'-'.repeat(10)}  ${'-'.repeat(10)}  ${'-'.repeat(6)}  ----`);
for (const r of rows) console.log(`${w(r.name, n0)}  ${w(r.value, 10)}  ${w(r.target, 10)}  ${w(r.status, 6)}  ${fmt(r.seconds)} s`);
console.log(`total ${fmt((performance.now() - t0) / 1000)} s`);
process.exit(rows.some((r) => r.status !== 'PASS') ? 1 : 0);
