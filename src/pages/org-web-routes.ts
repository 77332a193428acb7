/**
 * The organization and team pages (src/pages/views/org-pages.ts) under TFE's UI paths:
 *   /app/organizations                         the caller's organizations
 *   /app/:org/settings/teams                   teams list (create a team)
 *   /app/:org/settings/teams/:id               team management, with its "Team API Token"
 *   /app/:org/settings/authentication-token    the organization's "API Token"
 * Same domain functions and the same authorize() as the API; anything the user may not see is a
 * 404 page that says what to do. Every POST checks the form's CSRF token.
 */
import { Router, type Request, type Response } from 'express';
import type { OrganizationRecord, TeamRecord } from '../store/types.ts';
import { authorize } from '../tfe/authorize.ts';
import { TfeError } from '../tfe/errors.ts';
import { allOrganizations } from '../tfe/organizations.ts';
import { addMembersByUsername, createTeam, removeTeamMembers } from '../tfe/teams.ts';
import { deleteSingularToken, generateOrganizationToken, generateTeamToken } from '../tfe/tokens.ts';
import { factsFor, organizationFor, teamFor, withScene } from '../tfe/access.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { pageGuards, webPrincipal } from './page-guards.ts';
import { singularTokenStatus } from './token-status.ts';
import { pageContext } from '../sp/sp-routes.ts';
import { messagePage } from './views/pages.ts';
import { organizationsPage, organizationTokenPage, teamPage, teamsPage } from './views/org-pages.ts';

const NOT_FOUND_TEXT = 'No such organization or team, or you are not a member of it. Ask an owner of the organization to add you to a team, or check the address.';

export function orgWebRoutes(ctx: GatewayContext): Router {
  const router = Router();
  const { form, signedIn, csrf } = pageGuards(ctx);
  const notFound = (req: Request, res: Response) => res.status(404).type('html').send(messagePage(pageContext(ctx, req), 'Not found', NOT_FOUND_TEXT));
  const principal = webPrincipal;
  /** The secret page must not be cached and may run its one copy-button script. */
  const secretHeaders = (res: Response) => {
    const nonce = ctx.ids.random(22);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Security-Policy', `default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; script-src 'nonce-${nonce}' 'self'`);
    return nonce;
  };
  const settings = (org: OrganizationRecord) => `/app/${encodeURIComponent(org.name)}/settings`;

  router.get('/app/organizations', signedIn, async (req, res) => {
    const orgs: OrganizationRecord[] = [];
    for await (const org of allOrganizations(ctx.tfe, { userId: req.webUser!.id })) orgs.push(org);
    res.type('html').send(organizationsPage(pageContext(ctx, req), orgs));
  });

  router.get('/app/:org/settings/teams', signedIn, async (req, res) => {
    const found = await organizationFor(ctx, principal(req), req.params.org as string, 'organization:read');
    if (!found) return notFound(req, res);
    const all = (await ctx.store.teams.listByOrganization(found.org.id, { number: 1, size: 10_000 })).items.filter((team) => authorize({ ...found.facts, team }, 'team:read'));
    const teams = [];
    for (const team of all) teams.push({ team, members: (await ctx.store.teams.listMembers(team.id, { number: 1, size: 1 })).total });
    res.type('html').send(teamsPage(pageContext(ctx, req), { org: found.org, teams, mayCreate: authorize(found.facts, 'team:create'), mayManageToken: authorize(found.facts, 'organization:manage-token') }));
  });

  router.post('/app/:org/settings/teams', form, signedIn, csrf, async (req, res) => {
    const found = await organizationFor(ctx, principal(req), req.params.org as string, 'team:create');
    if (!found) return notFound(req, res);
    const name = typeof req.body.name === 'string' ? req.body.name.trim() : '';
    if (!/^[A-Za-z0-9 _.-]{1,255}$/.test(name)) {
      req.session.flash = 'Team names are 1-255 letters, numbers, spaces, -, _ or .';
      return res.redirect(303, `${settings(found.org)}/teams`);
    }
    try {
      const team = await createTeam(ctx.tfe, found.org, { name });
      req.session.flash = `Team ${team.name} created.`;
      res.redirect(303, `${settings(found.org)}/teams/${team.id}`);
    } catch (err) {
      if (!(err instanceof TfeError)) throw err;
      req.session.flash = err.message;
      res.redirect(303, `${settings(found.org)}/teams`);
    }
  });

  async function renderTeam(req: Request, res: Response, team: TeamRecord, org: OrganizationRecord, created?: { secret: string; nonce: string }) {
    const facts = await withScene(ctx, await factsFor(ctx, principal(req), org, team));
    const token = await ctx.store.tokens.getSingular('team', team.id);
    const creator = token?.createdById ? await ctx.store.users.get(token.createdById) : undefined;
    const members = (await ctx.store.teams.listMembers(team.id, { number: 1, size: 10_000 })).items;
    res.status(created ? 201 : 200).type('html').send(teamPage(pageContext(ctx, req), {
      org,
      team,
      members,
      mayManageMembers: authorize(facts, 'team:manage-members'),
      token: { token, ...(creator ? { creator } : {}), ...(token ? { status: singularTokenStatus(ctx, token) } : {}), mayManage: authorize(facts, 'team:manage-token'), ...(created ? { created } : {}) },
    }));
  }

  const teamOf = async (req: Request, action: Parameters<typeof teamFor>[3]) => {
    const found = await teamFor(ctx, principal(req), req.params.team as string, action);
    // The team must be in the organization the path names.
    return found && found.org.name === req.params.org ? found : undefined;
  };

  router.get('/app/:org/settings/teams/:team', signedIn, async (req, res) => {
    const found = await teamOf(req, 'team:read');
    if (!found) return notFound(req, res);
    await renderTeam(req, res, found.team, found.org);
  });

  router.post('/app/:org/settings/teams/:team/authentication-token', form, signedIn, csrf, async (req, res) => {
    const found = await teamOf(req, 'team:manage-token');
    if (!found) return notFound(req, res);
    const created = await generateTeamToken(ctx.tfe, principal(req), found.team, { createdById: req.webUser!.id });
    ctx.logger.info({ teamId: found.team.id, tokenId: created.token.id, replaced: created.replaced }, created.replaced ? 'team token regenerated' : 'team token created');
    await renderTeam(req, res, found.team, found.org, { secret: created.secret, nonce: secretHeaders(res) });
  });

  router.post('/app/:org/settings/teams/:team/authentication-token/delete', form, signedIn, csrf, async (req, res) => {
    const found = await teamOf(req, 'team:manage-token');
    if (!found) return notFound(req, res);
    req.session.flash = (await deleteSingularToken(ctx.tfe, 'team', found.team.id)) ? 'Team token deleted: it no longer works.' : 'This team has no token.';
    res.redirect(303, `${settings(found.org)}/teams/${found.team.id}`);
  });

  router.post('/app/:org/settings/teams/:team/members', form, signedIn, csrf, async (req, res) => {
    const found = await teamOf(req, 'team:manage-members');
    if (!found) return notFound(req, res);
    const username = typeof req.body.username === 'string' ? req.body.username.trim() : '';
    try {
      await addMembersByUsername(ctx.tfe, found.team, [username]);
      req.session.flash = `${username} added.`;
    } catch (err) {
      if (!(err instanceof TfeError)) throw err;
      req.session.flash = `${err.message}.`;
    }
    res.redirect(303, `${settings(found.org)}/teams/${found.team.id}`);
  });

  router.post('/app/:org/settings/teams/:team/members/:user/remove', form, signedIn, csrf, async (req, res) => {
    const found = await teamOf(req, 'team:manage-members');
    if (!found) return notFound(req, res);
    try {
      await removeTeamMembers(ctx.tfe, found.team, [req.params.user as string]);
      req.session.flash = 'Member removed.';
    } catch (err) {
      if (!(err instanceof TfeError)) throw err;
      req.session.flash = err.code === 'last-owner' ? 'The owners team must keep at least one member: add another owner first.' : 'No such member.';
    }
    res.redirect(303, `${settings(found.org)}/teams/${found.team.id}`);
  });

  async function renderOrgToken(req: Request, res: Response, org: OrganizationRecord, created?: { secret: string; nonce: string }) {
    const token = await ctx.store.tokens.getSingular('organization', org.id);
    const creator = token?.createdById ? await ctx.store.users.get(token.createdById) : undefined;
    res.status(created ? 201 : 200).type('html').send(organizationTokenPage(pageContext(ctx, req), { org, token: { token, ...(creator ? { creator } : {}), ...(token ? { status: singularTokenStatus(ctx, token) } : {}), mayManage: true, ...(created ? { created } : {}) } }));
  }

  router.get('/app/:org/settings/authentication-token', signedIn, async (req, res) => {
    const found = await organizationFor(ctx, principal(req), req.params.org as string, 'organization:manage-token');
    if (!found) return notFound(req, res);
    await renderOrgToken(req, res, found.org);
  });

  router.post('/app/:org/settings/authentication-token', form, signedIn, csrf, async (req, res) => {
    const found = await organizationFor(ctx, principal(req), req.params.org as string, 'organization:manage-token');
    if (!found) return notFound(req, res);
    const created = await generateOrganizationToken(ctx.tfe, principal(req), found.org, { createdById: req.webUser!.id });
    ctx.logger.info({ organization: found.org.name, tokenId: created.token.id, replaced: created.replaced }, created.replaced ? 'organization token regenerated' : 'organization token created');
    await renderOrgToken(req, res, found.org, { secret: created.secret, nonce: secretHeaders(res) });
  });

  router.post('/app/:org/settings/authentication-token/delete', form, signedIn, csrf, async (req, res) => {
    const found = await organizationFor(ctx, principal(req), req.params.org as string, 'organization:manage-token');
    if (!found) return notFound(req, res);
    req.session.flash = (await deleteSingularToken(ctx.tfe, 'organization', found.org.id)) ? 'Organization token deleted: it no longer works.' : 'This organization has no token.';
    res.redirect(303, `${settings(found.org)}/authentication-token`);
  });

  return router;
}
