/**
 * The one error base of samlgate. Every error class the project throws on purpose extends it, so
 * callers decide on two fields instead of chains of instanceof and message strings:
 *
 * - `code`: stable, documented (docs/architecture.md, "Errors"); tests and callers switch on it.
 *   Each family keeps its own closed union by narrowing it (SamlErrorCode, TfeErrorCode).
 * - `kind`: whose fault it is. `usage`: the caller gave bad input or configuration (a flag, the
 *   config file, a request body); fixing the input fixes it. `runtime`: the environment failed
 *   (a port in use, an unreadable key, a full disk, a refused login); the same input can work later
 *   or elsewhere.
 *
 * The CLI's exit code is one switch on `kind` (exitCodeOf below); the HTTP status is one table on
 * `code` (src/api/tfe-errors.ts).
 */
export type ErrorKind = 'usage' | 'runtime';

export abstract class SamlgateError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The process exit status for an error that ends a command: 2 for usage errors (like commander's
 * own unknown-option exit), 1 for runtime failures and for anything that is not a SamlgateError
 * (a bug: the "unexpected failure" path).
 */
export function exitCodeOf(err: unknown): 1 | 2 {
  if (!(err instanceof SamlgateError)) return 1;
  switch (err.kind) {
    case 'usage':
      return 2;
    case 'runtime':
      return 1;
    default:
      return 1;
  }
}
