/**
 * Structured logs (pino). Secrets never reach a log line: request headers that carry them and any
 * field named like a token are redacted at the logger, not at each call site. Times are ISO-8601;
 * under the manual clock every line also carries `simTime`, the simulated time the request saw,
 * because the wall-clock `time` alone cannot explain why a token expired.
 */
import { pino, type Logger } from 'pino';
import type { Clock } from './clock.ts';
import { prettyLogStream } from './log-pretty.ts';

export type { Logger };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-atlas-token"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'SAMLResponse',
  '*.SAMLResponse',
  'code_verifier',
  '*.code_verifier',
  'access_token',
  '*.access_token',
];

export type LogFormat = 'pretty' | 'json';

export interface LoggerOptions {
  /** pretty: one readable line per entry (the default on a terminal); json: pino's JSON lines. */
  format?: LogFormat;
  /** A manual clock adds `simTime` to every line. */
  clock?: Clock;
  /** Colours in the pretty format (default: when the destination is a terminal). */
  color?: boolean;
}

/** The format when none is configured: pretty for a person at a terminal, JSON for everything else. */
export function defaultLogFormat(stream: NodeJS.WritableStream = process.stdout): LogFormat {
  return (stream as { isTTY?: boolean }).isTTY ? 'pretty' : 'json';
}

export function createLogger(level: string = 'info', destination?: NodeJS.WritableStream, o: LoggerOptions = {}): Logger {
  const out = destination ?? process.stdout;
  const clock = o.clock;
  const stream = o.format === 'pretty' ? prettyLogStream(out, { color: o.color ?? (out as { isTTY?: boolean }).isTTY === true }) : out;
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(clock?.kind === 'manual' ? { mixin: () => ({ simTime: new Date(clock.now()).toISOString() }) } : {}),
    },
    (destination || o.format === 'pretty' ? stream : undefined) as never,
  );
}

/** For tests and the demo: a logger that writes nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
