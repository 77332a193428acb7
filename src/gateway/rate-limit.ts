/**
 * TFE's API rate limit: 30 requests per second per credential, `429` beyond (TFE "API Docs: Rate
 * Limiting"). Optional (`gateway.rateLimit`, off by default) so local load tests are not
 * throttled. A one-second fixed window per credential; memory is bounded by dropping windows
 * that ended.
 *
 * The window runs on monotonic real time, never on samlgate's clock: with `--clock manual` that
 * clock stands still until someone moves it, and a throttled token stayed 429 forever
 * (regression). Moving the dev clock neither lifts nor resets a window.
 *
 * Every credential is counted, wherever it is used: API tokens on /api/v2 and on the legacy v1
 * state API (X-Atlas-Token), and browser sessions calling /api/v2 (the UI's own calls).
 */
import type { Request, Response } from 'express';
import type { Principal } from '../tfe/principal.ts';
import { sendErrors } from '../api/jsonapi.ts';

export const RATE_LIMIT_PER_SECOND = 30;

export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  private lastSweep = 0;

  constructor(
    /** Monotonic milliseconds (performance.now() in production; tests move their own). */
    private readonly now: () => number = () => performance.now(),
    private readonly limit = RATE_LIMIT_PER_SECOND,
  ) {}

  allow(key: string): boolean {
    const now = this.now();
    if (now - this.lastSweep > 10_000) {
      for (const [k, w] of this.windows) if (now - w.start >= 1000) this.windows.delete(k);
      this.lastSweep = now;
    }
    const w = this.windows.get(key);
    if (!w || now - w.start >= 1000 || now < w.start) {
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= this.limit;
  }
}

/** The credential a request is counted against: the token, or the browser session. */
export function rateLimitKey(principal: Principal, req: Request): string {
  return principal.via === 'token' ? `token:${principal.token.id}` : `session:${req.sessionID}`;
}

/** True when the request may go on; otherwise the 429 has been sent. */
export function withinRateLimit(limiter: RateLimiter | null, principal: Principal, req: Request, res: Response): boolean {
  if (!limiter || limiter.allow(rateLimitKey(principal, req))) return true;
  sendRateLimited(res);
  return false;
}

/** TFE's 429 body. */
export function sendRateLimited(res: Response): void {
  res.setHeader('Retry-After', '1');
  res.setHeader('X-RateLimit-Limit', String(RATE_LIMIT_PER_SECOND));
  sendErrors(res, 429, [{ status: '429', title: 'Too many requests', detail: 'You have exceeded the API\'s rate limit.' }]);
}
