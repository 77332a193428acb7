/**
 * Shared helpers for the benchmarks: argument parsing, medians, interleaved rounds and the
 * machine-readable result line that bench/run.ts collects from each benchmark's child process.
 *
 * Every throughput number is a RATIO against a baseline measured in the same process run, in
 * alternating rounds (baseline, subject, baseline, subject...), each side summarised by its median:
 * this machine is shared and noisy, so absolute numbers drift by tens of percent between runs.
 */
import { fileURLToPath } from 'node:url';

export const RESULT_MARK = '@@BENCH_RESULT@@';

export interface BenchResult {
  name: string;
  /** Human line, e.g. `account-details: 4210 req/s vs bare express 4630 req/s -> ratio 0.91 (target >= 0.90)`. */
  line: string;
  /** The compared value: a ratio, bytes, milliseconds or a rate. */
  value: number;
  unit: 'ratio' | 'bytes' | 'ms' | 'MB' | 'per-s';
  target: { op: '>=' | '<=' | '<'; value: number };
  pass: boolean;
  notes: string[];
}

export interface BenchOptions {
  quick: boolean;
}

export function parseOptions(argv = process.argv.slice(2)): BenchOptions {
  return { quick: argv.includes('--quick') };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function meets(value: number, target: BenchResult['target']): boolean {
  if (!Number.isFinite(value)) return false;
  if (target.op === '>=') return value >= target.value;
  if (target.op === '<=') return value <= target.value;
  return value < target.value;
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/**
 * Runs `rounds` alternating rounds of baseline then subject (subject first on odd rounds so that
 * neither side always runs right after a GC-heavy phase of the other), returning per-side samples.
 */
export async function interleave(
  rounds: number,
  baseline: (round: number) => Promise<number>,
  subject: (round: number) => Promise<number>,
  onRound?: (round: number, b: number, s: number) => void,
): Promise<{ baseline: number[]; subject: number[] }> {
  const b: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let bv: number;
    let sv: number;
    if (r % 2 === 0) {
      bv = await baseline(r);
      sv = await subject(r);
    } else {
      sv = await subject(r);
      bv = await baseline(r);
    }
    b.push(bv);
    s.push(sv);
    onRound?.(r, bv, sv);
  }
  return { baseline: b, subject: s };
}

/** Calls `op` back to back for `ms` milliseconds (at least once); returns operations per second. */
export async function opsPerSecond(ms: number, op: (i: number) => unknown | Promise<unknown>): Promise<number> {
  const start = performance.now();
  const end = start + ms;
  let n = 0;
  let now = start;
  do {
    await op(n++);
    now = performance.now();
  } while (now < end);
  return (n * 1000) / (now - start);
}

export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** Prints the human line and the machine-readable result (for bench/run.ts). */
export function report(result: BenchResult): void {
  process.stdout.write(`${result.line}\n`);
  for (const note of result.notes) process.stdout.write(`  note: ${note}\n`);
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

export function targetText(t: BenchResult['target'], unit = ''): string {
  return `target ${t.op} ${t.value}${unit}`;
}

/** True when `importMetaUrl` is the entry script (run directly rather than imported). */
export function isMain(importMetaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(importMetaUrl) === process.argv[1];
}
