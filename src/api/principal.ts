/**
 * `principalOf(req)`: who is calling, in every /api/v2 (and v1 state) handler. Use it instead of
 * `req.principal!`: requireApiPrincipal() (src/gateway/auth.ts) sets req.principal, or answers
 * 401, before any handler of the /api/v2 router runs (v1-state.ts sets it for the v1 routes). A
 * handler mounted where that middleware does not run gets a clear internal error (a 500 naming
 * the route) instead of a TypeError deep inside an authorization decision.
 *
 *   import { principalOf } from './principal.ts';
 *   router.get('/things/:id', async (req, res) => { const principal = principalOf(req); ... });
 */
import type { Request } from 'express';
import type { Principal } from '../tfe/principal.ts';

export function principalOf(req: Request): Principal {
  const principal = req.principal;
  if (!principal) throw new Error(`internal: ${req.method} ${req.originalUrl} reached a handler without a principal (requireApiPrincipal() does not guard this route)`);
  return principal;
}
