/**
 * Errors -> TFE's JSON:API error documents: the one table from error codes to statuses. TfeError
 * (src/tfe/errors.ts), the adapter's own ApiInputError and the store's conflict and unavailable
 * errors all answer through it, so the same failure answers the same status on every route
 * (docs/architecture.md, "Errors").
 */
import type { Response } from 'express';
import { StoreConflictError, StoreUnavailableError } from '../store/types.ts';
import { TfeError, type TfeErrorCode } from '../tfe/errors.ts';
import { ApiInputError, sendError, sendErrors, sendNotFound } from './jsonapi.ts';

/** Each TFE code's status and title, as TFE answers them (docs/api.md, "Errors"). */
export const TFE_ERROR_STATUS: Record<TfeErrorCode, { status: number; title: string }> = {
  invalid: { status: 422, title: 'invalid attribute' },
  taken: { status: 422, title: 'invalid attribute' },
  'last-owner': { status: 422, title: 'invalid attribute' },
  'not-found': { status: 404, title: 'not found' },
  locked: { status: 409, title: 'conflict' },
  stale: { status: 409, title: 'conflict' },
  spent: { status: 409, title: 'conflict' },
  'transition-not-allowed': { status: 409, title: 'transition not allowed' },
};

/** The errors with an HTTP status of their own; anything else is a 4xx from express or a 500. */
export type HttpMappedError = TfeError | ApiInputError | StoreConflictError | StoreUnavailableError;
export type HttpErrorCode = HttpMappedError['code'];

export const HTTP_ERROR_STATUS: Record<HttpErrorCode, { status: number; title: string }> = {
  ...TFE_ERROR_STATUS,
  // ApiInputError carries its own error objects (one per refused field); the title is theirs.
  ERR_API_INPUT: { status: 422, title: 'invalid attribute' },
  // A uniqueness or foreign-key race the domain did not turn into a TfeError first.
  ERR_STORE_CONFLICT: { status: 409, title: 'conflict' },
  // Disk full, I/O error, database locked: not the request's fault, and nothing was written.
  ERR_STORE_UNAVAILABLE: { status: 503, title: 'service unavailable' },
};

export function isHttpMappedError(err: unknown): err is HttpMappedError {
  return err instanceof TfeError || err instanceof ApiInputError || err instanceof StoreConflictError || err instanceof StoreUnavailableError;
}

/** The status and title of an error: the one lookup every handler and the error middleware use. */
export function httpErrorOf(err: HttpMappedError): { status: number; title: string } {
  return HTTP_ERROR_STATUS[err.code];
}

/** Sends any mapped error as TFE's JSON:API error document. */
export function sendApiError(res: Response, err: HttpMappedError): void {
  if (err instanceof TfeError) return sendTfeError(res, err);
  const { status, title } = httpErrorOf(err);
  if (err instanceof ApiInputError) return sendErrors(res, status, err.errors);
  sendError(res, status, title, err instanceof StoreUnavailableError ? `the gateway could not save or read its state: ${err.message}` : err.message);
}

export function sendTfeError(res: Response, err: TfeError): void {
  // T7: "not found" carries no detail, so hidden and absent cannot be told apart.
  if (err.code === 'not-found') return sendNotFound(res);
  const { status, title } = httpErrorOf(err);
  sendErrors(res, status, [{
    status: String(status),
    title,
    detail: err.message,
    // A field that starts with "/" is a whole pointer (a relationship, e.g. /data/relationships/project).
    ...(err.field ? { source: { pointer: err.field.startsWith('/') ? err.field : `/data/attributes/${err.field}` } } : {}),
  }]);
}
