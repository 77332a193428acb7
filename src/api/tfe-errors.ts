/** TfeError (src/tfe/errors.ts) -> TFE's JSON:API error: the one table from domain codes to statuses. */
import type { Response } from 'express';
import type { TfeError, TfeErrorCode } from '../tfe/errors.ts';
import { sendErrors, sendNotFound } from './jsonapi.ts';

/** Each code's status and title, as TFE answers them (docs/api.md, "Errors"). */
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

export function sendTfeError(res: Response, err: TfeError): void {
  // T7: "not found" carries no detail, so hidden and absent cannot be told apart.
  if (err.code === 'not-found') return sendNotFound(res);
  const { status, title } = TFE_ERROR_STATUS[err.code];
  sendErrors(res, status, [{
    status: String(status),
    title,
    detail: err.message,
    // A field that starts with "/" is a whole pointer (a relationship, e.g. /data/relationships/project).
    ...(err.field ? { source: { pointer: err.field.startsWith('/') ? err.field : `/data/attributes/${err.field}` } } : {}),
  }]);
}
