/**
 * The TFE domain's one error type: a stable code the HTTP edge maps to a status (invalid and
 * conflict -> 422 with source.pointer, as TFE answers; not-found -> 404), and the field it is about.
 */
export type TfeErrorCode = 'invalid' | 'conflict' | 'not-found' | 'last-owner';

export class TfeError extends Error {
  constructor(
    readonly code: TfeErrorCode,
    message: string,
    /** The JSON:API attribute the error is about (`name`, `email`...), when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const invalid = (field: string, message: string) => new TfeError('invalid', message, field);
