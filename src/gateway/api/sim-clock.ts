/**
 * Dev-only clock control (DESIGN 2b): GET/POST /api/v2/_sim/clock, present only with
 * `--clock manual`. With the system clock the routes do not exist (404).
 */
import type { Router } from 'express';
import { z } from 'zod';
import { isManualClock, isRepresentableTime, type Clock } from '../../clock.ts';
import { parseDuration } from '../../duration.ts';
import { ApiInputError, parseBody, sendDocument, sendNotFound } from './jsonapi.ts';

const clockBody = z.union([
  z.strictObject({ advance: z.string().refine((v) => { try { parseDuration(v); return true; } catch { return false; } }, 'must be a duration such as 90s, 15m, 3h or 14d') }),
  z.strictObject({ set: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }) }),
], { error: 'send {"advance":"15m"} or {"set":"<ISO-8601>"}' });

export function addSimClockRoutes(router: Router, clock: Clock): void {
  if (!isManualClock(clock)) {
    // Answer before authentication so the route's absence reads as 404, not as a token problem.
    router.all('/_sim/clock', (_req, res) => sendNotFound(res));
    return;
  }
  router.get('/_sim/clock', (_req, res) => sendDocument(res, 200, { now: new Date(clock.now()).toISOString() }));
  router.post('/_sim/clock', (req, res) => {
    const body = parseBody(req, clockBody);
    const [target, pointer] = 'advance' in body ? [clock.now() + parseDuration(body.advance), '/advance'] : [Date.parse(body.set), '/set'];
    if (!isRepresentableTime(target)) {
      throw new ApiInputError([{ status: '422', title: 'invalid attribute', detail: 'the clock would move past the last date JavaScript can represent (year 275760)', source: { pointer } }]);
    }
    clock.set(target);
    sendDocument(res, 200, { now: new Date(clock.now()).toISOString() });
  });
}
