/**
 * The dev-only clock API (DESIGN 2b), the same on both halves: GET/POST `/api/v2/_sim/clock` on
 * the gateway's origin and on the IdP's. `samlgate start` gives both halves one ManualClock, so
 * either origin moves both; two processes each move their own. With the system clock the route
 * does not exist (404). Input arrives already parsed as JSON (each half has its own body parser).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { isManualClock, isRepresentableTime, type Clock, type ManualClock } from '../clock.ts';
import { parseDuration } from '../duration.ts';

export const SIM_CLOCK_PATH = '/api/v2/_sim/clock';

const clockBody = z.union([
  z.strictObject({ advance: z.string().refine((v) => { try { parseDuration(v); return true; } catch { return false; } }, 'must be a duration such as 90s, 15m, 3h or 14d') }),
  z.strictObject({ set: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }) }),
], { error: 'send {"advance":"15m"} or {"set":"<ISO-8601>"}' });

const JSON_TYPE = 'application/vnd.api+json; charset=utf-8';

function send(res: Response, status: number, doc: unknown) {
  res.status(status).setHeader('Content-Type', JSON_TYPE);
  res.send(JSON.stringify(doc));
}

function invalid(res: Response, detail: string, pointer: string) {
  send(res, 422, { errors: [{ status: '422', title: 'invalid attribute', detail, source: { pointer } }] });
}

export interface SimClockHandlers {
  get(req: Request, res: Response): void;
  post(req: Request, res: Response): void;
}

export type ClockMove = { ok: true; now: number } | { ok: false; detail: string; pointer: string };

/**
 * The one clock-advance step, for the JSON API here and the gateway pages' dev-clock buttons:
 * validates the body, refuses a move past the representable dates or backwards, then moves.
 */
export function moveClock(clock: ManualClock, input: unknown): ClockMove {
  const parsed = clockBody.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, detail: `${issue.path.join('.') || 'body'}: ${issue.message}`, pointer: `/${issue.path.join('/')}` };
  }
  const body = parsed.data;
  const [target, pointer] = 'advance' in body ? [clock.now() + parseDuration(body.advance), '/advance'] : [Date.parse(body.set), '/set'];
  if (!isRepresentableTime(target)) {
    return { ok: false, detail: 'the clock would move past the last date JavaScript can represent (year 275760)', pointer };
  }
  if (target < clock.now()) {
    // Refused rather than honoured: see ManualClock.set (expired tokens revived, replays let in).
    return { ok: false, detail: `the manual clock only moves forward: it is ${new Date(clock.now()).toISOString()} and ${new Date(target).toISOString()} is earlier; restart samlgate for a fresh clock`, pointer };
  }
  return { ok: true, now: clock.set(target) };
}

/** null with the system clock: callers answer 404 (the API does not exist). */
export function simClockHandlers(clock: Clock): SimClockHandlers | null {
  if (!isManualClock(clock)) return null;
  const now = () => ({ now: new Date(clock.now()).toISOString() });
  return {
    get: (_req, res) => send(res, 200, now()),
    post: (req, res) => {
      const moved = moveClock(clock, req.body);
      if (!moved.ok) return invalid(res, moved.detail, moved.pointer);
      send(res, 200, now());
    },
  };
}
