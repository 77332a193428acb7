/** GET /api/v2/account/details and GET /api/v2/users/:id (TFE "Account" and "Users" APIs). */
import type { Router } from 'express';
import type { GatewayContext } from '../context.ts';
import { authorize } from '../../tfe/authorize.ts';
import { sendDocument, sendNotFound } from './jsonapi.ts';
import { userResource } from './serializers.ts';

export function addAccountRoutes(router: Router, ctx: GatewayContext): void {
  router.get('/account/details', (req, res) => {
    const p = req.principal!;
    // Team and organization tokens get a synthetic service user with the organization model.
    if (p.kind !== 'user') return sendNotFound(res);
    sendDocument(res, 200, { data: userResource(p.user) });
  });

  router.get('/users/:id', async (req, res) => {
    // Users may read themselves; site admins anyone. Others: 404, as TFE (rule T7).
    const p = req.principal!;
    const user = p.kind === 'user' && p.user.id === req.params.id ? p.user : await ctx.store.users.get(req.params.id);
    if (!user || !authorize({ principal: p, teams: [], user }, 'user:read')) return sendNotFound(res);
    sendDocument(res, 200, { data: userResource(user) });
  });
}
