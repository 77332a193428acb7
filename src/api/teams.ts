/**
 * TFE "Teams" API: list an organization's teams, create, show, update, delete.
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/teams
 * `include=users,organization-memberships` adds the members to `included`.
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { OrganizationRecord, TeamRecord } from '../store/types.ts';
import { authorize, type AuthzFacts } from '../tfe/authorize.ts';
import { TfeError } from '../tfe/errors.ts';
import { teamsOfMembership } from '../tfe/memberships.ts';
import { teamPermissions } from '../tfe/organization-permissions.ts';
import { ORGANIZATION_ACCESS_FLAGS } from '../tfe/organizations.ts';
import { createTeam, deleteTeam, updateTeam, type TeamInput } from '../tfe/teams.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { organizationFor, teamFor, withScene } from '../tfe/access.ts';
import { includes, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { membershipResource, teamResource, userResource, type TeamView } from './serializers.ts';
import { principalOf } from './principal.ts';

/** TFE team names: letters, numbers, spaces, `-`, `_` and `.`. */
const TEAM_NAME = /^[A-Za-z0-9 _.-]{1,255}$/;

const accessSchema = z.strictObject(Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, z.boolean().optional()])) as Record<(typeof ORGANIZATION_ACCESS_FLAGS)[number], z.ZodOptional<z.ZodBoolean>>, { error: `must be an object of booleans with keys among ${ORGANIZATION_ACCESS_FLAGS.join(', ')}` });
const teamAttributes = z.object({
  name: z.string({ error: 'is required' }).regex(TEAM_NAME, 'must be 1-255 letters, numbers, spaces, -, _ or .'),
  'sso-team-id': z.string().max(255).nullable().optional(),
  visibility: z.enum(['secret', 'organization'], { error: 'must be "secret" or "organization"' }).optional(),
  'organization-access': accessSchema.optional(),
  'allow-member-token-management': z.boolean().optional(),
});
const envelope = (attrs: z.ZodType) => z.object({ data: z.object({ type: z.literal('teams', { error: 'must be "teams"' }).optional(), attributes: attrs }, { error: 'must be an object with attributes' }) }, { error: 'send {"data":{"type":"teams","attributes":{...}}}' });
const createBody = envelope(teamAttributes);
const updateBody = envelope(teamAttributes.partial().default({}));

function toInput(a: Partial<z.output<typeof teamAttributes>>): Partial<TeamInput> {
  const out: Partial<TeamInput> = {};
  if (a.name !== undefined) out.name = a.name;
  if (a['sso-team-id'] !== undefined) out.ssoTeamId = a['sso-team-id'];
  if (a.visibility !== undefined) out.visibility = a.visibility;
  if (a['organization-access'] !== undefined) out.organizationAccess = a['organization-access'];
  if (a['allow-member-token-management'] !== undefined) out.allowMemberTokenManagement = a['allow-member-token-management'];
  return out;
}

/** Members and the organization memberships they stand for (invitations waiting for this team included). */
export async function loadTeamView(ctx: GatewayContext, team: TeamRecord): Promise<TeamView> {
  const members = (await ctx.store.teams.listMembers(team.id, { number: 1, size: 100_000 })).items;
  const membershipIds: string[] = [];
  for (const u of members) {
    const m = await ctx.store.orgMemberships.getByEmail(team.organizationId, u.email);
    if (m) membershipIds.push(m.id);
  }
  const invited = await ctx.store.orgMemberships.listByOrganization(team.organizationId, { number: 1, size: 100_000 }, { status: 'invited' });
  for (const m of invited.items) if (m.initialTeamIds.includes(team.id)) membershipIds.push(m.id);
  return { members, membershipIds };
}

/** The one team serializer (create, show, list, update), with `included` when asked. */
export async function teamDocumentParts(ctx: GatewayContext, team: TeamRecord, org: OrganizationRecord, facts: AuthzFacts, include: Set<string>) {
  const view = await loadTeamView(ctx, team);
  // can-update-api-token compares rights across the organization (the minting invariant).
  const data = teamResource(team, org, view, teamPermissions({ ...(await withScene(ctx, facts)), team }));
  const included: unknown[] = [];
  if (include.has('users')) included.push(...view.members.map((u) => userResource(u, facts.principal)));
  if (include.has('organization-memberships')) {
    for (const id of view.membershipIds) {
      const m = await ctx.store.orgMemberships.get(id);
      if (m) included.push(membershipResource(m, org, await teamsOfMembership(ctx, m)));
    }
  }
  return { data, included };
}

export function addTeamRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.get('/organizations/:name/teams', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:read');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const names = typeof req.query['filter[names]'] === 'string' ? (req.query['filter[names]'] as string).split(',') : undefined;
    const q = typeof req.query.q === 'string' ? req.query.q : undefined;
    const all = (await ctx.store.teams.listByOrganization(found.org.id, { number: 1, size: 100_000 }, { ...(names ? { names } : {}), ...(q ? { q } : {}) })).items;
    // Secret teams are listed only to those who may see them.
    const visible = all.filter((team) => authorize({ ...found.facts, team }, 'team:read'));
    const pageItems = visible.slice((page.number - 1) * page.size, page.number * page.size);
    const include = includes(req);
    const data = [];
    const included = [];
    const facts = await withScene(ctx, found.facts);
    for (const team of pageItems) {
      const parts = await teamDocumentParts(ctx, team, found.org, facts, include);
      data.push(parts.data);
      included.push(...parts.included);
    }
    sendDocument(res, 200, {
      data,
      ...(include.size > 0 ? { included } : {}),
      links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/teams`, page, visible.length),
      meta: paginationMeta(page, visible.length),
    });
  });

  router.post('/organizations/:name/teams', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'team:create');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, createBody).data.attributes as z.output<typeof teamAttributes>;
    const team = await createTeam(ctx.tfe, found.org, { ...toInput(a), name: a.name });
    ctx.logger.info({ teamId: team.id, organization: found.org.name }, 'team created');
    const parts = await teamDocumentParts(ctx, team, found.org, found.facts, new Set());
    sendDocument(res, 201, { data: parts.data });
  });

  router.get('/teams/:id', async (req, res) => {
    const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:read');
    if (!found) return sendNotFound(res);
    const include = includes(req);
    const parts = await teamDocumentParts(ctx, found.team, found.org, found.facts, include);
    sendDocument(res, 200, { data: parts.data, ...(include.size > 0 ? { included: parts.included } : {}) });
  });

  router.patch('/teams/:id', async (req, res) => {
    const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:update');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes as Partial<z.output<typeof teamAttributes>>;
    const team = await updateTeam(ctx.tfe, found.team, toInput(a));
    const parts = await teamDocumentParts(ctx, team, found.org, found.facts, new Set());
    sendDocument(res, 200, { data: parts.data });
  });

  router.delete('/teams/:id', async (req, res) => {
    const visible = await teamFor(ctx, principalOf(req), req.params.id, 'team:update');
    // The owners team is never deleted: say so to those who manage it, 404 to everyone else.
    if (visible?.team.isOwners) throw new TfeError('invalid', 'the owners team cannot be deleted: every organization keeps one');
    const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:destroy');
    if (!found) return sendNotFound(res);
    await deleteTeam(ctx.tfe, found.team);
    ctx.logger.info({ teamId: found.team.id }, 'team deleted');
    res.status(204).end();
  });
}

