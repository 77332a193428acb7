/**
 * TFE "Organization Memberships" API: invite by email, list, show, delete, and samlgate's accept
 * and decline (TFE's users accept in its UI; samlgate also has the account page's Invitations).
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/organization-memberships
 * An invitation for an email without an account stays `invited` until that person's first SAML
 * login (src/tfe/login-sync.ts); one for an existing account until that user accepts it;
 * `include=user` adds the user of an active membership.
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { OrgMembershipRecord, OrganizationRecord } from '../store/types.ts';
import { authorize } from '../tfe/authorize.ts';
import type { Principal } from '../tfe/principal.ts';
import { acceptInvitation, declineInvitation, deleteMembership, inviteMember, teamsOfMembership } from '../tfe/memberships.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { factsFor, organizationFor } from '../tfe/access.ts';
import { ApiInputError, includes, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { membershipResource, userResource } from './serializers.ts';
import { principalOf } from './principal.ts';

const inviteBody = z.object({
  data: z.object({
    type: z.literal('organization-memberships', { error: 'must be "organization-memberships"' }).optional(),
    attributes: z.object({ email: z.email({ error: 'must be an email address' }) }, { error: 'must be an object with an email' }),
    relationships: z.object({ teams: z.object({ data: z.array(z.object({ type: z.literal('teams'), id: z.string().min(1) })) }).optional() }).optional(),
  }, { error: 'send {"data":{"type":"organization-memberships","attributes":{"email":"..."}}}' }),
});

/** The one membership serializer, plus the user in `included` when asked (and when there is one). */
async function membershipParts(ctx: GatewayContext, viewer: Principal, m: OrgMembershipRecord, org: OrganizationRecord, include: Set<string>) {
  const data = membershipResource(m, org, await teamsOfMembership(ctx, m));
  const included: unknown[] = [];
  if (include.has('user') && m.userId && m.status === 'active') {
    const user = await ctx.store.users.get(m.userId);
    if (user) included.push(userResource(user, viewer));
  }
  return { data, included };
}

/** A membership the caller may see: members of the organization see its members (TFE). */
async function membershipFor(ctx: GatewayContext, principal: Principal, id: string, action: 'organization:read' | 'organization:manage-memberships') {
  const m = await ctx.store.orgMemberships.get(id);
  if (!m) return undefined;
  const org = await ctx.store.organizations.get(m.organizationId);
  if (!org) return undefined;
  const facts = await factsFor(ctx, principal, org);
  // A person may always see (and leave) their own membership.
  const own = principal.kind === 'user' && m.userId === principal.user.id;
  if (!own && !authorize(facts, action)) return undefined;
  return { m, org };
}

export function addOrganizationMembershipRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.get('/organizations/:name/organization-memberships', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:read');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const status = req.query['filter[status]'];
    if (status !== undefined && status !== '' && status !== 'invited' && status !== 'active') {
      throw new ApiInputError([{ status: '422', title: 'invalid parameter', detail: 'filter[status] must be invited or active', source: { parameter: 'filter[status]' } }]);
    }
    const q = typeof req.query.q === 'string' ? req.query.q : undefined;
    const result = await ctx.store.orgMemberships.listByOrganization(found.org.id, page, {
      ...(status === 'invited' || status === 'active' ? { status } : {}),
      ...(q ? { q } : {}),
    });
    const include = includes(req);
    const data = [];
    const included = [];
    for (const m of result.items) {
      const parts = await membershipParts(ctx, principalOf(req), m, found.org, include);
      data.push(parts.data);
      included.push(...parts.included);
    }
    sendDocument(res, 200, {
      data,
      ...(include.size > 0 ? { included } : {}),
      links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/organization-memberships`, page, result.total),
      meta: paginationMeta(page, result.total),
    });
  });

  router.post('/organizations/:name/organization-memberships', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:manage-memberships');
    if (!found) return sendNotFound(res);
    const body = parseBody(req, inviteBody).data;
    const teamIds = body.relationships?.teams?.data.map((t) => t.id) ?? [];
    const m = await inviteMember(ctx.tfe, found.org, body.attributes.email, teamIds);
    ctx.logger.info({ membershipId: m.id, organization: found.org.name, status: m.status }, 'organization membership created');
    // TFE's create response carries the user, as a read with include=user does.
    const parts = await membershipParts(ctx, principalOf(req), m, found.org, new Set(['user']));
    sendDocument(res, 201, { data: parts.data, included: parts.included });
  });

  router.get('/organization-memberships/:id', async (req, res) => {
    const found = await membershipFor(ctx, principalOf(req), req.params.id, 'organization:read');
    if (!found) return sendNotFound(res);
    const include = includes(req);
    const parts = await membershipParts(ctx, principalOf(req), found.m, found.org, include);
    sendDocument(res, 200, { data: parts.data, ...(include.size > 0 ? { included: parts.included } : {}) });
  });

  /**
   * samlgate's accept and decline (TFE has no public API for them; its users answer in the UI).
   * Only the user the invitation names, through their session or a user token: team and
   * organization tokens, the inviting owners and site admins get 404 like for a missing one (T7),
   * because consent cannot be given on someone's behalf.
   */
  for (const action of ['accept', 'decline'] as const) {
    router.post(`/organization-memberships/:id/actions/${action}`, async (req, res) => {
      const p = principalOf(req);
      // authorize('membership:answer-invitation'), inside the domain functions: only the invited user.
      if (p.kind !== 'user') return sendNotFound(res);
      const m = action === 'accept' ? await acceptInvitation(ctx.tfe, p, req.params.id) : await declineInvitation(ctx.tfe, p, req.params.id);
      ctx.logger.info({ membershipId: m.id, userId: p.user.id }, `organization invitation ${action}ed`);
      if (action === 'decline') return res.status(204).end();
      const org = await ctx.store.organizations.get(m.organizationId);
      if (!org) return sendNotFound(res);
      const parts = await membershipParts(ctx, p, m, org, new Set(['user']));
      sendDocument(res, 200, { data: parts.data, included: parts.included });
    });
  }

  router.delete('/organization-memberships/:id', async (req, res) => {
    const found = await membershipFor(ctx, principalOf(req), req.params.id, 'organization:manage-memberships');
    if (!found) return sendNotFound(res);
    await deleteMembership(ctx.tfe, found.m);
    ctx.logger.info({ membershipId: found.m.id }, 'organization membership deleted');
    res.status(204).end();
  });
}
