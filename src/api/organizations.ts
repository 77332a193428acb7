/**
 * TFE "Organizations" API: list, show, create, update, delete, entitlement set.
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/organizations
 * Thin: zod for input, src/tfe/organizations.ts for the work, authorize() for who may.
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { OrganizationPatch, OrganizationRecord } from '../store/types.ts';
import { authorize, type AuthzFacts } from '../tfe/authorize.ts';
import { organizationPermissions } from '../tfe/organization-permissions.ts';
import { createOrganization, deleteOrganization, ORGANIZATION_NAME, updateOrganization } from '../tfe/organizations.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { factsFor, organizationFor } from '../tfe/access.ts';
import { paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { entitlementSetResource, organizationResource } from './serializers.ts';
import { principalOf } from './principal.ts';

const minutes = z.number({ error: 'must be a number of minutes' }).int('must be a whole number of minutes').min(1, 'must be at least 1 minute').max(525_600, 'must be at most 525600 minutes (a year)');

const attributes = {
  name: z.string({ error: 'is required' }).regex(ORGANIZATION_NAME, 'must contain only letters, numbers, - and _ (at most 64)'),
  email: z.email({ error: 'must be an email address' }),
  'session-timeout': minutes.optional(),
  'session-remember': minutes.optional(),
  'owners-team-saml-role-id': z.string().max(255).nullable().optional(),
  'collaborator-auth-policy': z.enum(['password', 'two_factor_mandatory']).optional(),
  'cost-estimation-enabled': z.boolean().optional(),
  'send-passing-statuses-for-untriggered-speculative-plans': z.boolean().optional(),
  'assessments-enforced': z.boolean().optional(),
  'allow-force-delete-workspaces': z.boolean().optional(),
  'default-execution-mode': z.enum(['remote', 'local', 'agent']).optional(),
};
const PASSTHROUGH = ['collaborator-auth-policy', 'cost-estimation-enabled', 'send-passing-statuses-for-untriggered-speculative-plans', 'assessments-enforced', 'allow-force-delete-workspaces', 'default-execution-mode'] as const;
/** Attributes that change how people authenticate: owners only (can-update-authentication). */
const AUTHENTICATION_ATTRIBUTES = ['session-timeout', 'session-remember', 'collaborator-auth-policy', 'owners-team-saml-role-id'] as const;

const body = (attrs: z.ZodType) => z.object({ data: z.object({ type: z.literal('organizations', { error: 'must be "organizations"' }).optional(), attributes: attrs }, { error: 'must be an object with attributes' }) }, { error: 'send {"data":{"type":"organizations","attributes":{...}}}' });
const createBody = body(z.object(attributes));
const updateBody = body(z.object(attributes).partial().default({}));

type Attrs = Partial<z.output<z.ZodObject<typeof attributes>>>;

function passthrough(a: Attrs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PASSTHROUGH) if (a[k] !== undefined) out[k] = a[k];
  return out;
}

/** The one serializer: show, list, create and update all answer with it (clients compare them). */
export function organizationDocument(ctx: GatewayContext, org: OrganizationRecord, facts: AuthzFacts) {
  return organizationResource(org, organizationPermissions(facts), { samlEnabled: ctx.samlSettings.current().enabled });
}

export function addOrganizationRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.get('/organizations', async (req, res) => {
    const p = principalOf(req);
    const page = readPage(req);
    const q = typeof req.query.q === 'string' ? req.query.q : undefined;
    // TFE lists the organizations the caller belongs to (site admins use /admin/organizations).
    let result: { items: OrganizationRecord[]; total: number };
    if (p.kind === 'user') result = await ctx.store.organizations.list(page, { userId: p.user.id, ...(q ? { q } : {}) });
    else {
      const own = p.organization;
      const all = !q || own.name.toLowerCase().includes(q.toLowerCase()) ? [own] : [];
      result = { items: all.slice((page.number - 1) * page.size, page.number * page.size), total: all.length };
    }
    const data = [];
    for (const org of result.items) data.push(organizationDocument(ctx, org, await factsFor(ctx, p, org)));
    sendDocument(res, 200, { data, links: paginationLinks('/api/v2/organizations', page, result.total), meta: paginationMeta(page, result.total) });
  });

  router.post('/organizations', async (req, res) => {
    const p = principalOf(req);
    if (!authorize({ principal: p, teams: [] }, 'organization:create')) return sendNotFound(res);
    const a = parseBody(req, createBody).data.attributes as Attrs & { name: string; email: string };
    const creator = p.kind === 'user' ? { id: p.user.id, email: p.user.email } : null;
    const org = await createOrganization(ctx.tfe, {
      name: a.name,
      email: a.email,
      ...(a['session-timeout'] !== undefined ? { sessionTimeoutMinutes: a['session-timeout'] } : {}),
      ...(a['session-remember'] !== undefined ? { sessionRememberMinutes: a['session-remember'] } : {}),
      ownersTeamSamlRoleId: a['owners-team-saml-role-id'] ?? null,
      attributes: passthrough(a),
    }, creator);
    ctx.logger.info({ organization: org.name, by: creator?.id }, 'organization created');
    sendDocument(res, 201, { data: organizationDocument(ctx, org, await factsFor(ctx, p, org)) });
  });

  router.get('/organizations/:name', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:read');
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: organizationDocument(ctx, found.org, found.facts) });
  });

  router.patch('/organizations/:name', async (req: Request, res: Response) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name as string, 'organization:update');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes as Attrs;
    if (AUTHENTICATION_ATTRIBUTES.some((k) => a[k] !== undefined) && !authorize(found.facts, 'organization:update-authentication')) return sendNotFound(res);
    const patch: OrganizationPatch = {};
    if (a.name !== undefined) patch.name = a.name;
    if (a.email !== undefined) patch.email = a.email;
    if (a['session-timeout'] !== undefined) patch.sessionTimeoutMinutes = a['session-timeout'];
    if (a['session-remember'] !== undefined) patch.sessionRememberMinutes = a['session-remember'];
    if (a['owners-team-saml-role-id'] !== undefined) patch.ownersTeamSamlRoleId = a['owners-team-saml-role-id'];
    const extra = passthrough(a);
    if (Object.keys(extra).length > 0) patch.attributes = extra;
    const org = await updateOrganization(ctx.tfe, found.org, patch);
    sendDocument(res, 200, { data: organizationDocument(ctx, org, { ...found.facts, organization: org }) });
  });

  router.delete('/organizations/:name', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:destroy');
    if (!found) return sendNotFound(res);
    await deleteOrganization(ctx.tfe, found.org);
    ctx.logger.info({ organization: found.org.name }, 'organization deleted');
    res.status(204).end();
  });

  router.get('/organizations/:name/entitlement-set', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:read');
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: entitlementSetResource(found.org) });
  });
}
