/**
 * Structured logs (pino). Secrets never reach a log line: request headers that carry them and any
 * field named like a token are redacted at the logger, not at each call site.
 */
import { pino, type Logger } from 'pino';

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
];

export function createLogger(level: string = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }, destination as never);
}

/** For tests and the demo: a logger that writes nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
