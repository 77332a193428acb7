/**
 * The admin surface in one mount: the pages (/directory, /admin sign-in; admin-pages.ts), the
 * response inspector (/responses; inspector-routes.ts) and the JSON API under /api (api.ts);
 * admin-auth.ts decides who may.
 */
import { Router, type Request, type Response } from 'express';
import { adminPages } from './admin-pages.ts';
import { adminApi } from './api.ts';
import type { IdpContext } from './context.ts';
import { inspectorRoutes } from './inspector-routes.ts';
import { csrfRefused } from './route-helpers.ts';

export function adminRoutes(ctx: IdpContext): Router {
  const { directory, serviceProviders, ring, admin, csrf, clock, logger, signingCertificates } = ctx;
  const router = Router();
  const deps = { directory, serviceProviders, ring, admin, csrf, clock, logger, signingCertificates, csrfRefused: (req: Request, res: Response) => csrfRefused(ctx, req, res) };
  router.use(adminPages(deps));
  router.use(inspectorRoutes(deps));
  router.use('/api', adminApi({ directory, serviceProviders, ring, admin, logger }));
  return router;
}
