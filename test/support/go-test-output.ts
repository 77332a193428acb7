/**
 * Reads `go test -test.v` output (Go >= 1.14 "chatty" mode: `=== RUN`, `=== CONT`, indented
 * `--- PASS|FAIL|SKIP: Name (0.00s)` lines, log and assertion output streamed under the test
 * that is running) into one result per test and subtest. A test that started but never printed
 * its `--- ` line (a panic, a timeout, a killed process) is a failure, never a pass.
 */

export type GoOutcome = 'pass' | 'fail' | 'skip';

export interface GoTestResult {
  /** Full Go name, subtests joined with `/` (Go turns spaces in subtest names into `_`). */
  name: string;
  outcome: GoOutcome;
  /** Lines printed while this test was the running one (assertion messages, logs, panics). */
  output: string[];
  /** Why a test without a `--- ` line counts as failed. */
  incomplete?: string;
}

const RUN = /^=== (RUN|CONT|PAUSE|NAME)\s+(\S+)\s*$/;
const DONE = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)\s*$/;

export class GoTestOutput {
  private results = new Map<string, GoTestResult>();
  private current: string | undefined;
  private tail: string[] = [];

  /** Feeds one line (without its newline). Returns the test a `=== RUN`/`CONT` line announces. */
  line(text: string): string | undefined {
    const run = RUN.exec(text);
    if (run) {
      const name = run[2]!;
      if (run[1] === 'RUN' && !this.results.has(name)) this.results.set(name, { name, outcome: 'fail', output: [], incomplete: 'started but never finished' });
      if (run[1] !== 'PAUSE') this.current = name;
      return run[1] === 'RUN' || run[1] === 'CONT' ? name : undefined;
    }
    const done = DONE.exec(text);
    if (done) {
      const name = done[2]!;
      const r = this.results.get(name) ?? { name, outcome: 'fail' as GoOutcome, output: [] };
      r.outcome = done[1]!.toLowerCase() as GoOutcome;
      delete r.incomplete;
      this.results.set(name, r);
      // Go announces a parent's further output with `=== CONT`; after a `--- ` line nothing
      // runs until the next announcement (a panic's stack lands here, outside every test).
      this.current = undefined;
      return undefined;
    }
    if (this.current) this.results.get(this.current)?.output.push(text);
    else if (text.trim()) this.tail.push(text);
    return undefined;
  }

  /** The running test's name (subtests included), for attributing what happens meanwhile. */
  get running(): string | undefined {
    return this.current;
  }

  /** Every test seen, in start order. Output outside any test (a panic's stack, FAIL) is `tail`. */
  finish(): { results: GoTestResult[]; tail: string[] } {
    const results = [...this.results.values()];
    // Go prints a panic (or a -test.timeout) after the `--- FAIL` lines, outside any test: hand
    // its first lines to the unfinished and the failed top-level tests so reports show it.
    const panic = this.tail.findIndex((l) => /^panic: /.test(l));
    if (panic >= 0) {
      for (const r of results) if (r.incomplete || (r.outcome === 'fail' && !r.name.includes('/'))) r.output.push(...this.tail.slice(panic, panic + 30));
    }
    return { results, tail: this.tail };
  }
}

export function parseGoTestOutput(text: string): { results: GoTestResult[]; tail: string[] } {
  const p = new GoTestOutput();
  for (const l of text.split('\n')) p.line(l.replace(/\r$/, ''));
  return p.finish();
}

/** Top-level name of a (sub)test: `TestA/with_x` -> `TestA`. */
export const topLevel = (name: string) => name.split('/')[0]!;
