/**
 * The TFE domain's one error type: a stable code from a closed union, the message a caller
 * sees, and the attribute it is about. No HTTP here: src/api/tfe-errors.ts maps each code
 * to one JSON:API status in one table, so the same failure answers the same status on every route.
 *
 * - invalid: an attribute's value is refused (TFE: 422 with source.pointer);
 * - taken: a name or description that must be unique is in use (TFE: 422 "has already been taken");
 * - not-found: absent, or hidden from this caller (T7: the same 404 either way);
 * - last-owner: the change would leave the owners team (or the site) without its last member;
 * - locked: the workspace lock forbids this (TFE: 409);
 * - stale: the resource changed between read and write; read it again (409);
 * - transition-not-allowed: the run's state does not allow this action (TFE: 409);
 * - spent: a one-time resource was already used (an uploaded configuration version; 409).
 */
import { SamlgateError } from '../errors.ts';

export const TFE_ERROR_CODES = ['invalid', 'taken', 'not-found', 'last-owner', 'locked', 'stale', 'transition-not-allowed', 'spent'] as const;
export type TfeErrorCode = (typeof TFE_ERROR_CODES)[number];

/** Every TFE code is the request's fault (a refused value, a conflict with the current state): usage. */
export class TfeError extends SamlgateError {
  readonly kind = 'usage';
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
