/**
 * Runs one top-level Go test of a compiled test binary in its own process. One process per
 * test keeps a panic (go-tfe's tests dereference nil results when a call fails) from taking the
 * rest of a group down, and lets a wall-clock timer kill exactly that process.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { GoTestOutput, type GoTestResult } from './go-test-output.ts';

export interface GoTestRun {
  name: string;
  /** The top-level test's result, subtests, in start order. */
  results: GoTestResult[];
  /** Lines outside any test (panic stacks, FAIL, exit messages). */
  tail: string[];
  exitCode: number | null;
  timedOut: boolean;
  ms: number;
}

export interface GoTestOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Called when a (sub)test starts, with its full name. */
  onRun?(name: string): void;
}

export function runGoTest(binary: string, name: string, o: GoTestOptions): Promise<GoTestRun> {
  const started = Date.now();
  const goTimeout = `${Math.max(1, Math.floor(o.timeoutMs / 1000) - 2)}s`;
  const child = spawn(binary, ['-test.run', `^${name}$`, '-test.v', '-test.count', '1', '-test.timeout', goTimeout], {
    cwd: o.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new GoTestOutput();
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (l) => {
    const started = output.line(l);
    if (started) o.onRun?.(started);
  });
  const stderr: string[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(d.toString('utf8')));
  let timedOut = false;
  // -test.timeout makes Go panic with the running tests listed; this timer is the backstop
  // for a binary that hangs anyway.
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, o.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      lines.close();
      const { results, tail } = output.finish();
      if (stderr.length) tail.push(...stderr.join('').split('\n'));
      if (timedOut) tail.push(`killed after ${o.timeoutMs} ms`);
      resolve({ name, results, tail, exitCode: code, timedOut, ms: Date.now() - started });
    });
  });
}
