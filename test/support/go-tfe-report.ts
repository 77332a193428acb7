/**
 * The failure report for the branches that build the endpoints: per failing Go test, the
 * assertion go-tfe made (its expected/actual text), and the requests that (sub)test sent with
 * what the gateway answered.
 */
import type { GoTestRun } from './go-test-runner.ts';
import type { RecordedRequest } from './live-gateway.ts';

export interface ReportEntry {
  group: string;
  /** Which store the gateway ran on ('directory' = SQLite in a fresh --data directory). */
  store: string;
  owner: string;
  run: GoTestRun;
  /** The lane's requests while this test ran. */
  requests: RecordedRequest[];
  expected: string | undefined;
  verdict: string;
}

const fence = (lines: string[]) => (lines.length ? `\`\`\`\n${lines.join('\n')}\n\`\`\`\n` : '');

/** Assertion output without testify's noise (Error Trace paths), trimmed to what explains it. */
function assertionText(lines: string[]): string[] {
  return lines
    .map((l) => l.replace(/^\s{4}/, ''))
    .filter((l) => !/^\s*Error Trace:/.test(l) && !/^\s*\/usr\/share\/gocode\//.test(l))
    .slice(0, 40);
}

/** A panic's message and the go-tfe test line it happened on (the rest of the stack is noise). */
function panicExcerpt(tail: string[]): string[] {
  const at = tail.findIndex((l) => /^panic: /.test(l));
  if (at < 0) return [];
  const where = tail.slice(at).find((l) => /go-tfe\/\w+_test\.go:\d+/.test(l));
  return [tail[at]!, ...(where ? [`at ${where.trim()}`] : [])];
}

function requestLine(r: RecordedRequest): string {
  const body = r.requestBody ? ` ${r.requestBody.trim()}` : '';
  return `${r.method} ${r.path}${body}\n  -> ${r.status} ${r.responseBody.trim() || '(empty)'}`;
}

export function failureSection(e: ReportEntry): string {
  const top = e.run.results.find((r) => r.name === e.run.name);
  const failed = e.run.results.filter((r) => r.outcome === 'fail');
  const leaves = failed.filter((f) => !failed.some((g) => g !== f && g.name.startsWith(`${f.name}/`)));
  let out = `### ${e.run.name} (${e.store} store; ${e.group}; owner: ${e.owner}) - ${e.verdict}\n\n`;
  if (e.expected) out += `Listed as an expected failure: ${e.expected}\n\n`;
  if (!top) out += `The test never started. Output:\n${fence(e.run.tail.slice(0, 30))}\n`;
  if (e.run.timedOut) out += `Killed after its time limit (${e.run.ms} ms).\n\n`;
  for (const leaf of leaves) {
    out += `- **${leaf.name}**${leaf.incomplete ? ` (${leaf.incomplete})` : ''}\n\n`;
    out += fence(assertionText(leaf.output.length ? leaf.output : panicExcerpt(e.run.tail)));
    // go-tfe's NewClient pings first in every process: noise unless the ping itself failed.
    const mine = e.requests.filter((r) => r.during === leaf.name && !(r.path === '/api/v2/ping' && r.status === 204));
    const shown = mine.length ? mine : leaf.name === e.run.name ? e.requests.filter((r) => r.status >= 400) : [];
    if (shown.length) out += `  Requests while it ran:\n\n${fence(shown.slice(-8).map(requestLine))}`;
    out += '\n';
  }
  // Setup failures (a helper's t.Fatal) happen in the top-level test; show its failed requests.
  if (top && !leaves.includes(top)) {
    const setup = e.requests.filter((r) => r.during === e.run.name && r.status >= 400);
    if (setup.length) out += `Failed requests during the test's own setup:\n\n${fence(setup.slice(-6).map(requestLine))}\n`;
  }
  return out;
}

export function renderReport(o: { title: string; now: Date; summary: string[]; entries: ReportEntry[] }): string {
  let out = `# ${o.title}\n\nGenerated ${o.now.toISOString()} by test/interop/go-tfe.test.ts.\n\n`;
  out += o.summary.join('\n') + '\n\n';
  for (const e of o.entries) out += failureSection(e) + '\n';
  return out;
}
