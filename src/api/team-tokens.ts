/**
 * TFE "Team Tokens" API (rules T1, T2, T5).
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/team-tokens
 *   POST/GET/DELETE /api/v2/teams/:id/authentication-token          the legacy one-per-team token
 *   POST/GET        /api/v2/teams/:id/authentication-tokens         described tokens (TFE >= 1.1)
 *   GET/DELETE      /api/v2/teams/:id/authentication-tokens/:token  one described token
 *   GET             /api/v2/organizations/:name/team-tokens         every team token of the organization
 * The secret is in the 201 only, with Cache-Control: no-store; later reads say `token: null`.
 */
import type { ApiRoutes } from '../http/route-table.ts';
import type { TeamRecord, TokenRecord } from '../store/types.ts';
import { TfeError } from '../tfe/errors.ts';
import { principalUser } from '../tfe/principal.ts';
import { createDescribedTeamToken, generateTeamToken, revokeToken } from '../tfe/tokens.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { organizationFor, teamFor } from '../tfe/access.ts';
import { paginationLinks, paginationMeta, readPage, sendDocument, sendNotFound, sendSecret } from './jsonapi.ts';
import { tokenResource } from './serializers.ts';
import { addSingularTokenRoutes } from './singular-tokens.ts';
import { readTokenBody } from './token-body.ts';
import { principalOf } from './principal.ts';

const teamToken = (token: TokenRecord, team: TeamRecord, secret: string | null = null) => tokenResource(token, secret, { team });

export function addTeamTokenRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  addSingularTokenRoutes(router, ctx, '/teams/:id/authentication-token', {
    kind: 'team',
    load: async (req) => (await teamFor(ctx, principalOf(req), req.params.id as string, 'team:manage-token'))?.team,
    idOf: (team) => team.id,
    generate: (req, team) => generateTeamToken(ctx.tfe, principalOf(req), team, { ...readTokenBody(req), createdById: principalUser(principalOf(req))?.id ?? null }),
    resource: teamToken,
    logFields: (team) => ({ teamId: team.id }),
  });

  router.post('/teams/:id/authentication-tokens', async (req, res) => {
    const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:manage-token');
    if (!found) return sendNotFound(res);
    const input = readTokenBody(req);
    if (!input.description) throw new TfeError('invalid', 'description is required for team tokens created here (the legacy /authentication-token endpoint takes none)', 'description');
    const created = await createDescribedTeamToken(ctx.tfe, principalOf(req), found.team, { ...input, description: input.description, createdById: principalUser(principalOf(req))?.id ?? null });
    ctx.logger.info({ teamId: found.team.id, tokenId: created.token.id }, 'team token created');
    sendSecret(res, teamToken(created.token, found.team, created.secret));
  });

  router.get('/teams/:id/authentication-tokens', async (req, res) => {
    const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:manage-token');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.tokens.listByOwner('team', found.team.id, page);
    sendDocument(res, 200, {
      data: result.items.map((t) => teamToken(t, found.team)),
      links: paginationLinks(`/api/v2/teams/${found.team.id}/authentication-tokens`, page, result.total),
      meta: paginationMeta(page, result.total),
    });
  });

  for (const method of ['get', 'delete'] as const) {
    router[method]('/teams/:id/authentication-tokens/:tokenId', async (req, res) => {
      const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:manage-token');
      if (!found) return sendNotFound(res);
      const token = await ctx.store.tokens.get(req.params.tokenId);
      if (!token || token.kind !== 'team' || token.ownerId !== found.team.id) return sendNotFound(res);
      if (method === 'get') return sendDocument(res, 200, { data: teamToken(token, found.team) });
      await revokeToken(ctx.tfe, token.id);
      ctx.logger.info({ teamId: found.team.id, tokenId: token.id }, 'team token revoked');
      res.status(204).end();
    });
  }

  router.get('/organizations/:name/team-tokens', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:list-team-tokens');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.tokens.listTeamTokensOfOrganization(found.org.id, page);
    const data = [];
    for (const t of result.items) {
      const team = await ctx.store.teams.get(t.ownerId);
      if (team) data.push(teamToken(t, team));
    }
    sendDocument(res, 200, {
      data,
      links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/team-tokens`, page, result.total),
      meta: paginationMeta(page, result.total),
    });
  });
}
