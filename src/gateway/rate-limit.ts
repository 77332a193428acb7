/**
 * TFE's API rate limit: 30 requests per second per token, `429` beyond (TFE "API Docs: Rate
 * Limiting"). Optional (`gateway.rateLimit`, off by default) so local load tests are not
 * throttled. A one-second fixed window per token on the injected clock; memory is bounded by
 * dropping windows that ended.
 */
import type { Response } from 'express';
import type { Clock } from '../clock.ts';
import { sendErrors } from './api/jsonapi.ts';

export const RATE_LIMIT_PER_SECOND = 30;

export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  private lastSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limit = RATE_LIMIT_PER_SECOND,
  ) {}

  allow(key: string): boolean {
    const now = this.clock.now();
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

/** TFE's 429 body. */
export function sendRateLimited(res: Response): void {
  res.setHeader('Retry-After', '1');
  res.setHeader('X-RateLimit-Limit', String(RATE_LIMIT_PER_SECOND));
  sendErrors(res, 429, [{ status: '429', title: 'Too many requests', detail: 'You have exceeded the API\'s rate limit.' }]);
}
