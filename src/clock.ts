/**
 * The only source of "now" in samlgate. Every module that needs the time takes a Clock, as
 * crewjam/saml takes TimeNow: tests and the demo move a ManualClock forward instead of waiting,
 * and signed documents become reproducible.
 */
import { SamlgateError } from './errors.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  readonly kind: 'system' | 'manual';
}

export class SystemClock implements Clock {
  readonly kind = 'system' as const;
  now(): number {
    return Date.now();
  }
}

/**
 * A clock that stands still until told to move. It starts at the real time (DESIGN 2b) so that
 * assertions it stamps are plausible to an outside verifier, then only moves on advance()/set().
 */
export class ManualClock implements Clock {
  readonly kind = 'manual' as const;
  private current: number;

  /** `onSet` hears every move (samlgate persists the offset so a restarted demo keeps its time). */
  constructor(
    start: number = Date.now(),
    private readonly onSet?: (now: number) => void,
  ) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the manual clock only moves forward');
    return this.set(this.current + ms);
  }

  /**
   * Moves the clock to an instant that is not earlier than now. Going back would undo what time
   * already decided: an expired token or session would be valid again, and the replay cache (which
   * forgets an assertion ID once its NotOnOrAfter has passed) would let an already-used response in.
   */
  set(epochMs: number): number {
    if (!isRepresentableTime(epochMs)) throw new RangeError(`${epochMs} is outside the range of dates the clock can represent`);
    if (epochMs < this.current) throw new ClockBackwardsError(this.current, epochMs);
    this.current = epochMs;
    this.onSet?.(epochMs);
    return this.current;
  }
}

/** A usage error: the caller asked for an earlier time (ManualClock.set says why that is refused). */
export class ClockBackwardsError extends SamlgateError {
  readonly code = 'ERR_CLOCK_BACKWARDS';
  readonly kind = 'usage';
  constructor(readonly current: number, readonly requested: number) {
    super(`the manual clock only moves forward: it is ${new Date(current).toISOString()}, and ${new Date(requested).toISOString()} is earlier`);
  }
}

/** ECMAScript dates span +-8.64e15 ms around 1970; beyond that toISOString() throws. */
export function isRepresentableTime(epochMs: number): boolean {
  return Number.isFinite(epochMs) && Math.abs(epochMs) <= 8.64e15;
}

export function isManualClock(clock: Clock): clock is ManualClock {
  return clock.kind === 'manual';
}

/** SAML wants xs:dateTime in UTC with a Z (SAML core 1.3.3); ISO strings from Date are exactly that. */
export function isoInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
