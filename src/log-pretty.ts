/**
 * The `--log-format pretty` formatter: pino's JSON line in, one readable line out.
 *   2026-12-01T22:40:01.123Z INFO  gateway  GET /api/v2/account/details 200 (3.1 ms)  sim=... userId=u-1
 * Written here rather than taken from pino-pretty: it is forty lines, and pino-pretty would add a
 * dozen transitive dependencies (and a worker-thread transport) to a tool people install in CI.
 */
import { Writable } from 'node:stream';

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '36'],
  30: ['INFO ', '32'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '41'],
};

const OWN_KEYS = new Set(['level', 'time', 'msg', 'component', 'simTime', 'event']);
/** An access-log line's message already says all of these. */
const ACCESS_KEYS = new Set(['method', 'path', 'status', 'durationMs']);

function show(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

export function formatLogLine(entry: Record<string, unknown>, color: boolean): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const [name, code] = LEVELS[entry.level as number] ?? [String(entry.level).padEnd(5), '0'];
  const parts = [paint('2', String(entry.time ?? '')), paint(code, name)];
  if (entry.component) parts.push(paint('1', String(entry.component).padEnd(7)));
  parts.push(String(entry.msg ?? ''));
  const extras: string[] = [];
  let stack = '';
  if (entry.simTime) extras.push(`sim=${entry.simTime}`);
  for (const [key, value] of Object.entries(entry)) {
    if (OWN_KEYS.has(key) || value === undefined || (entry.event === 'http.request' && ACCESS_KEYS.has(key))) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { message?: string; stack?: string };
      extras.push(`err=${show(err.message ?? value)}`);
      // An unexpected error is what the operator needs the stack for: indented under the line.
      if (typeof err.stack === 'string') stack = err.stack.split('\n').slice(1).map((l) => `    ${l.trim()}\n`).join('');
      continue;
    }
    extras.push(`${key}=${show(value)}`);
  }
  return `${parts.join(' ')}${extras.length ? `  ${paint('2', extras.join(' '))}` : ''}\n${stack ? paint('2', stack) : ''}`;
}

export function prettyLogStream(out: NodeJS.WritableStream, o: { color: boolean }): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (line === '') continue;
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          out.write(`${line}\n`);
          continue;
        }
        out.write(formatLogLine(entry, o.color));
      }
      done();
    },
  });
}
