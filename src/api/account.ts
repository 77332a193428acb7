/** GET /api/v2/account/details and GET /api/v2/users/:id (TFE "Account" and "Users" APIs). */
import type { ApiRoutes } from '../http/route-table.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { authorize } from '../tfe/authorize.ts';
import { z } from 'zod';
import { organizationServiceUser, teamServiceUser } from '../tfe/service-user.ts';
import { confirmOwnEmail } from '../tfe/users.ts';
import { ApiInputError, documentOfFrozen, parseBody, sendDocument, sendDocumentText, sendNotFound } from './jsonapi.ts';
import { serviceUserResource, userResource } from './serializers.ts';
import { principalOf } from './principal.ts';

const updateBody = z.object({
  data: z.object({
    type: z.literal('users', { error: 'must be "users"' }).optional(),
    attributes: z.object({
      username: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _').optional(),
      email: z.email({ error: 'must be an email address' }).optional(),
    }).default({}),
  }),
});

export function addAccountRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.get('/account/details', (req, res) => {
    const p = principalOf(req);
    // Each document depends on the principal's records alone (the caller's own view of itself),
    // so a token's cached records are serialised once (documentOfFrozen).
    // T6: team and organization tokens get a synthetic service user naming what they authenticate.
    if (p.kind === 'team') return sendDocumentText(res, 200, documentOfFrozen(p.team, p.organization, () => ({ data: serviceUserResource(teamServiceUser(p.team, p.organization)) })));
    if (p.kind === 'organization') return sendDocumentText(res, 200, documentOfFrozen(p.organization, undefined, () => ({ data: serviceUserResource(organizationServiceUser(p.organization)) })));
    sendDocumentText(res, 200, documentOfFrozen(p.user, undefined, () => ({ data: userResource(p.user, p) })));
  });

  /**
   * PATCH /api/v2/account/update. Every samlgate user is a SAML user, and for them the IdP owns
   * identity (account/details says can-change-username and can-change-email false): the username
   * is set at each login from the assertion (Username, else the NameID's local part) and the email
   * is the NameID. A change is refused (422 naming the field and why), never applied: a username
   * taken here would be squatted (the IdP's rightful owner's first login is refused as a
   * collision, and a later add-by-username gives the squatter their teams). Sending the current
   * values is accepted (go-tfe resets the user so), and the current email clears a pending
   * `unconfirmed-email` left by older versions.
   */
  router.patch('/account/update', async (req, res) => {
    const p = principalOf(req);
    if (p.kind !== 'user') return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes;
    const refused = [];
    if (a.username !== undefined && a.username !== p.user.username) {
      refused.push({
        status: '422',
        title: 'invalid attribute',
        detail: `the username of a SAML user is set by the identity provider at each login (the Username attribute, or else the local part of the NameID email), so it cannot be changed here: ask for the change at the IdP; this account's username stays ${p.user.username}`,
        source: { pointer: '/data/attributes/username' },
      });
    }
    if (a.email !== undefined && a.email.toLowerCase() !== p.user.email.toLowerCase()) {
      refused.push({
        status: '422',
        title: 'invalid attribute',
        detail: `the email of a SAML user is the NameID the identity provider sends at each login, so it cannot be changed here: ask for the change at the IdP; this account's email stays ${p.user.email}`,
        source: { pointer: '/data/attributes/email' },
      });
    }
    if (refused.length > 0) throw new ApiInputError(refused);
    const user = a.email !== undefined ? await confirmOwnEmail(ctx.tfe, p.user) : p.user;
    sendDocument(res, 200, { data: userResource(user, p) });
  });

  router.get('/users/:id', async (req, res) => {
    // Users may read themselves; site admins anyone. Others: 404, as TFE (rule T7).
    const p = principalOf(req);
    const user = p.kind === 'user' && p.user.id === req.params.id ? p.user : await ctx.store.users.get(req.params.id);
    if (!user || !authorize({ principal: p, teams: [], user }, 'user:read')) return sendNotFound(res);
    sendDocument(res, 200, { data: userResource(user, p) });
  });
}
