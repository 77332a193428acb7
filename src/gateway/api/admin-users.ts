/**
 * TFE's admin users API: list, suspend, unsuspend (rule S4). Site admins only; everyone else
 * gets 404 so the endpoints' existence is not revealed (rule T7).
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { authorize } from '../../tfe/authorize.ts';
import { principalUser } from '../../tfe/principal.ts';
import type { GatewayContext } from '../context.ts';
import { setSuspended } from '../users.ts';
import { sendDocument, sendError, sendNotFound } from './jsonapi.ts';
import { userResource } from './serializers.ts';

function requireSiteAdmin(req: Request, res: Response, next: NextFunction) {
  if (!req.principal || !authorize({ principal: req.principal, teams: [] }, 'site:admin')) return sendNotFound(res);
  next();
}

export function addAdminUserRoutes(router: Router, ctx: GatewayContext): void {
  router.use('/admin', requireSiteAdmin);

  router.get('/admin/users', async (_req, res) => {
    const users = (await ctx.store.users.list({}, { number: 1, size: 1000 })).items;
    sendDocument(res, 200, { data: users.map(userResource) });
  });

  for (const action of ['suspend', 'unsuspend'] as const) {
    router.post(`/admin/users/:id/actions/${action}`, async (req, res) => {
      const result = await setSuspended(ctx, req.params.id as string, action === 'suspend');
      if (!result.ok) {
        if (result.reason === 'not-found') return sendNotFound(res);
        return sendError(res, 400, 'bad request', `user is already ${action === 'suspend' ? 'suspended' : 'active'}`);
      }
      ctx.logger.info({ userId: result.user.id, by: principalUser(req.principal!)?.id }, `user ${action}ed`);
      sendDocument(res, 200, { data: userResource(result.user) });
    });
  }
}
