/**
 * Dev-only clock control on the gateway's /api/v2 router (the shared handlers: src/http/sim-clock.ts).
 * With the system clock the routes do not exist (404).
 */
import type { ApiRoutes } from '../http/route-table.ts';
import type { Clock } from '../clock.ts';
import { simClockHandlers } from '../http/sim-clock.ts';
import { sendNotFound } from './jsonapi.ts';

export function addSimClockRoutes(router: ApiRoutes, clock: Clock): void {
  const handlers = simClockHandlers(clock);
  if (!handlers) {
    // Answer before authentication so the route's absence reads as 404, not as a token problem.
    router.all('/_sim/clock', (_req, res) => sendNotFound(res));
    return;
  }
  router.get('/_sim/clock', handlers.get);
  router.post('/_sim/clock', handlers.post);
}
