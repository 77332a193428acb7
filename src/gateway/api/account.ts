/** GET /api/v2/account/details and GET /api/v2/users/:id (TFE "Account" and "Users" APIs). */
import type { Router } from 'express';
import type { GatewayContext } from '../context.ts';
import { sendDocument, sendNotFound } from './jsonapi.ts';
import { userResource } from './serializers.ts';

export function addAccountRoutes(router: Router, ctx: GatewayContext): void {
  router.get('/account/details', (req, res) => {
    sendDocument(res, 200, { data: userResource(req.principal!.user) });
  });

  router.get('/users/:id', async (req, res) => {
    // Users may read themselves; site admins anyone. Others: 404, as TFE (rule T7).
    const me = req.principal!.user;
    if (me.id !== req.params.id && !me.isSiteAdmin) return sendNotFound(res);
    const user = me.id === req.params.id ? me : await ctx.store.users.get(req.params.id);
    if (!user) return sendNotFound(res);
    sendDocument(res, 200, { data: userResource(user) });
  });
}
