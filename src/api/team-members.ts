/**
 * TFE "Team Membership" API: add and remove members by username, or by organization membership.
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/team-members
 *   POST/DELETE /api/v2/teams/:id/relationships/users                     {"data":[{"type":"users","id":"<username>"}]}
 *   POST/DELETE /api/v2/teams/:id/relationships/organization-memberships  {"data":[{"type":"organization-memberships","id":"ou-..."}]}
 * The owners team is never emptied (422 naming the rule).
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import { addMembersByUsername, changeMembershipsOfTeam, removeMembersByUsername } from '../tfe/teams.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { teamFor } from '../tfe/access.ts';
import { parseBody, sendNotFound } from './jsonapi.ts';
import { principalOf } from './principal.ts';

const list = (type: string) =>
  z.object({
    data: z.array(z.object({ type: z.literal(type, { error: `must be "${type}"` }), id: z.string({ error: 'is required' }).min(1, 'must not be empty').max(255) }), { error: `must be a list of {"type":"${type}","id":...}` }).min(1, 'must name at least one member'),
  });
const usersBody = list('users');
const membershipsBody = list('organization-memberships');

export function addTeamMemberRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  for (const method of ['post', 'delete'] as const) {
    router[method]('/teams/:id/relationships/users', async (req, res) => {
      const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:manage-members');
      if (!found) return sendNotFound(res);
      const usernames = parseBody(req, usersBody).data.map((d) => d.id);
      if (method === 'post') await addMembersByUsername(ctx.tfe, found.team, usernames);
      else await removeMembersByUsername(ctx.tfe, found.team, usernames);
      ctx.logger.info({ teamId: found.team.id, count: usernames.length }, method === 'post' ? 'team members added' : 'team members removed');
      res.status(204).end();
    });

    router[method]('/teams/:id/relationships/organization-memberships', async (req, res) => {
      const found = await teamFor(ctx, principalOf(req), req.params.id, 'team:manage-members');
      if (!found) return sendNotFound(res);
      const ids = parseBody(req, membershipsBody).data.map((d) => d.id);
      await changeMembershipsOfTeam(ctx.tfe, found.team, ids, method === 'post');
      res.status(204).end();
    });
  }
}
