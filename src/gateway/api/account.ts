/** GET /api/v2/account/details and GET /api/v2/users/:id (TFE "Account" and "Users" APIs). */
import type { Router } from 'express';
import type { GatewayContext } from '../context.ts';
import { authorize } from '../../tfe/authorize.ts';
import { z } from 'zod';
import { StoreConflictError } from '../../store/types.ts';
import { organizationServiceUser, teamServiceUser } from '../../tfe/service-user.ts';
import { sanitizeUsername } from '../users.ts';
import { ApiInputError, parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { serviceUserResource, userResource } from './serializers.ts';

const updateBody = z.object({
  data: z.object({
    type: z.literal('users', { error: 'must be "users"' }).optional(),
    attributes: z.object({
      username: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _').optional(),
      email: z.email({ error: 'must be an email address' }).optional(),
    }).default({}),
  }),
});

export function addAccountRoutes(router: Router, ctx: GatewayContext): void {
  router.get('/account/details', (req, res) => {
    const p = req.principal!;
    // T6: team and organization tokens get a synthetic service user naming what they authenticate.
    if (p.kind === 'team') return sendDocument(res, 200, { data: serviceUserResource(teamServiceUser(p.team, p.organization)) });
    if (p.kind === 'organization') return sendDocument(res, 200, { data: serviceUserResource(organizationServiceUser(p.organization)) });
    sendDocument(res, 200, { data: userResource(p.user, p) });
  });

  /**
   * PATCH /api/v2/account/update for SAML users. The IdP owns identity: the username changes now
   * and the next SAML login sets it again from the assertion (Username, else the NameID's local
   * part); the email is the NameID, so a new address is kept as `unconfirmed-email` (TFE shows a
   * pending change there) and the next login clears it.
   */
  router.patch('/account/update', async (req, res) => {
    const p = req.principal!;
    if (p.kind !== 'user') return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes;
    const patch: { username?: string; unconfirmedEmail?: string | null } = {};
    if (a.username !== undefined && a.username !== p.user.username) patch.username = sanitizeUsername(a.username);
    if (a.email !== undefined) patch.unconfirmedEmail = a.email.toLowerCase() === p.user.email.toLowerCase() ? null : a.email;
    let user = p.user;
    if (Object.keys(patch).length > 0) {
      try {
        user = (await ctx.store.users.update(p.user.id, patch)) ?? p.user;
      } catch (err) {
        if (!(err instanceof StoreConflictError)) throw err;
        throw new ApiInputError([{ status: '422', title: 'invalid attribute', detail: `username ${patch.username} is taken`, source: { pointer: '/data/attributes/username' } }]);
      }
    }
    sendDocument(res, 200, { data: userResource(user, p) });
  });

  router.get('/users/:id', async (req, res) => {
    // Users may read themselves; site admins anyone. Others: 404, as TFE (rule T7).
    const p = req.principal!;
    const user = p.kind === 'user' && p.user.id === req.params.id ? p.user : await ctx.store.users.get(req.params.id);
    if (!user || !authorize({ principal: p, teams: [], user }, 'user:read')) return sendNotFound(res);
    sendDocument(res, 200, { data: userResource(user, p) });
  });
}
