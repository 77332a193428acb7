/**
 * The gateway's HTML pages: account, tokens (create shows the secret once), admin users.
 * Form posts carry the session's CSRF token in `_csrf`.
 */
import { Router, type Request } from 'express';
import type { GatewayContext } from '../gateway/context.ts';
import { createUserToken, revokeToken } from '../tfe/tokens.ts';
import { pageContext } from '../sp/sp-routes.ts';
import { setSuspended } from '../tfe/users.ts';
import { sessionLiveUntil } from '../gateway/web-session.ts';
import { accountPage, adminUsersPage, anonymousHome, messagePage, tokensPage } from './views/pages.ts';
import { loginAttemptPage, loginAttemptsPage, loginNote } from './views/saml-debug.ts';
import { loginNoteOf } from '../sp/login-attempts.ts';
import { pageGuards, webPrincipal } from './page-guards.ts';
import { acceptInvitation, declineInvitation, pendingInvitations } from '../tfe/memberships.ts';
import { TfeError } from '../tfe/errors.ts';
import { isManualClock } from '../clock.ts';
import { moveClock } from '../http/sim-clock.ts';
import type { TokenRecord } from '../store/types.ts';
import { html } from '../util/html.ts';
import { storyOf } from '../gateway/timeline-story.ts';
import { userTokenStatuses } from './token-status.ts';
import { safeReturnPath } from '../gateway/web-session.ts';
import { timelinePage } from './views/timeline.ts';

export function webRoutes(ctx: GatewayContext): Router {
  const router = Router();
  const { form, signedIn, csrf, siteAdmin } = pageGuards(ctx);

  router.get('/', async (req, res) => {
    const page = pageContext(ctx, req);
    if (!req.webUser) return res.type('html').send(anonymousHome(page));
    const invitations = await pendingInvitations(ctx.tfe, req.webUser);
    res.type('html').send(accountPage(page, { liveUntil: sessionLiveUntil(req.session.login!, ctx.policy), apiTokenTimeoutMs: ctx.samlSettings.apiTokenTimeoutMs(), loginNote: loginNote(loginNoteOf(req.webUser)), invitations }));
  });

  // The account page's Invitations: only the invited user answers (another's id reads as missing, T7).
  router.post('/app/settings/invitations/:id/:action', form, signedIn, csrf, async (req, res) => {
    const action = req.params.action;
    if (action !== 'accept' && action !== 'decline') return res.status(404).type('html').send(messagePage(pageContext(ctx, req), 'Not found', 'No such page.'));
    try {
      const m = action === 'accept' ? await acceptInvitation(ctx.tfe, webPrincipal(req), req.params.id as string) : await declineInvitation(ctx.tfe, webPrincipal(req), req.params.id as string);
      const org = await ctx.store.organizations.get(m.organizationId);
      ctx.logger.info({ membershipId: m.id, userId: req.webUser!.id }, `organization invitation ${action}ed`);
      req.session.flash = action === 'accept'
        ? `You are now a member of ${org?.name ?? 'the organization'}. Its session limits apply from your next sign-in.`
        : `Invitation to ${org?.name ?? 'the organization'} declined.`;
    } catch (err) {
      if (!(err instanceof TfeError)) throw err;
      req.session.flash = err.code === 'not-found' ? 'No such invitation.' : `${err.message}.`;
    }
    res.redirect(303, '/');
  });

  /** The tokens page lists 50 at a time (?page=N): a user with 20,001 tokens must not get one huge page. */
  const TOKENS_PER_PAGE = 50;
  const tokenPage = (req: Request) => {
    const n = typeof req.query.page === 'string' && /^[1-9][0-9]{0,8}$/.test(req.query.page) ? Number(req.query.page) : 1;
    return { number: n, size: TOKENS_PER_PAGE };
  };
  /** Each token with the API's own verdict on it (token-status.ts asks decideTokenValidity). */
  const tokenRows = async (req: Request, tokens: TokenRecord[]) => {
    const statuses = await userTokenStatuses(ctx, req.webUser!, tokens, req.session.login ? sessionLiveUntil(req.session.login, ctx.policy) : null);
    return tokens.map((token) => ({ token, status: statuses.get(token.id)! }));
  };
  router.get('/app/settings/tokens', signedIn, async (req, res) => {
    const page = tokenPage(req);
    const result = await ctx.store.tokens.listByOwner('user', req.webUser!.id, page);
    res.type('html').send(tokensPage(pageContext(ctx, req), await tokenRows(req, result.items), { apiTokenTimeoutMs: ctx.samlSettings.apiTokenTimeoutMs(), paging: { page: page.number, pages: Math.max(1, Math.ceil(result.total / page.size)), total: result.total } }));
  });

  router.post('/app/settings/tokens', form, signedIn, csrf, async (req, res) => {
    const description = typeof req.body.description === 'string' && req.body.description.trim() !== '' ? req.body.description.trim().slice(0, 255) : null;
    const created = await createUserToken(ctx.tfe, req.webUser!.id, { description, expiredAt: null });
    ctx.logger.info({ tokenId: created.token.id, userId: req.webUser!.id }, 'user token created');
    const result = await ctx.store.tokens.listByOwner('user', req.webUser!.id, { number: 1, size: TOKENS_PER_PAGE });
    const tokens = result.items;
    // The secret is rendered once, in this response only; no-store keeps it out of caches.
    res.set('Cache-Control', 'no-store').status(201).type('html').send(tokensPage(pageContext(ctx, req), await tokenRows(req, tokens), { apiTokenTimeoutMs: ctx.samlSettings.apiTokenTimeoutMs(), created, paging: { page: 1, pages: Math.max(1, Math.ceil(result.total / TOKENS_PER_PAGE)), total: result.total } }));
  });

  router.post('/app/settings/tokens/:id/delete', form, signedIn, csrf, async (req, res) => {
    const token = await ctx.store.tokens.get(req.params.id as string);
    // Another user's token is answered exactly like a missing one (T7: no existence leak).
    const own = token && token.kind === 'user' && token.ownerId === req.webUser!.id;
    if (own) await revokeToken(ctx.tfe, token.id);
    req.session.flash = own ? `Token ${token.id} revoked.` : 'No such token.';
    res.redirect(303, '/app/settings/tokens');
  });

  router.get('/app/admin/users', signedIn, siteAdmin, async (req, res) => {
    const users = (await ctx.store.users.list({}, { number: 1, size: 1000 })).items;
    res.type('html').send(adminUsersPage(pageContext(ctx, req), users, ctx.rejections.latest(), (user) => loginNote(loginNoteOf(user))));
  });

  // The SAML debug view (site admins only; others get 404 as for every admin page).
  router.get('/app/admin/saml/attempts', signedIn, siteAdmin, (req, res) => {
    res.type('html').send(loginAttemptsPage(pageContext(ctx, req), ctx.loginAttempts.latest(), ctx.samlSettings.current().debug));
  });
  router.get('/app/admin/saml/attempts/:id', signedIn, siteAdmin, (req, res) => {
    const attempt = ctx.loginAttempts.get(Number(req.params.id));
    if (!attempt) return res.status(404).type('html').send(messagePage(pageContext(ctx, req), 'Not found', 'No such login attempt (only the most recent ones are kept).'));
    res.type('html').send(loginAttemptPage(pageContext(ctx, req), attempt));
  });

  router.post('/app/admin/users/:id/:action', form, signedIn, siteAdmin, csrf, async (req, res) => {
    const action = req.params.action;
    if (action !== 'suspend' && action !== 'unsuspend') {
      return res.status(404).type('html').send(messagePage(pageContext(ctx, req), 'Not found', 'No such page.'));
    }
    const result = await setSuspended(ctx, req.params.id as string, action === 'suspend');
    req.session.flash = result.ok ? `${result.user.username} ${action}ed.`
      : result.reason === 'already' ? `Already ${action}ed.`
      : result.reason === 'last-site-admin' ? 'This is the last active site admin: make another user a site admin before suspending this one.'
      : 'No such user.';
    res.redirect(303, '/app/admin/users');
  });

  // The dev clock's buttons (--clock manual only, like /api/v2/_sim/clock): the same moveClock.
  router.post('/app/_sim/clock', form, signedIn, csrf, (req, res) => {
    if (!isManualClock(ctx.clock)) return res.status(404).type('html').send(messagePage(pageContext(ctx, req), 'Not found', 'The dev clock exists only with --clock manual; this gateway runs on the system clock.', html`<a href="/">Back to your account</a>`));
    const moved = moveClock(ctx.clock, { advance: req.body.advance });
    if (!moved.ok) return res.status(422).type('html').send(messagePage(pageContext(ctx, req), 'Clock not moved', `The dev clock did not move: ${moved.detail}.`, html`<a href="${safeReturnPath(req.body.return_to)}">Back</a>`));
    ctx.logger.info({ advance: req.body.advance, now: new Date(moved.now).toISOString() }, 'dev clock moved from the pages');
    req.session.flash = `Dev clock moved forward ${req.body.advance}.`;
    res.redirect(303, safeReturnPath(req.body.return_to));
  });

  router.get('/app/timeline', signedIn, async (req, res) => {
    const story = await storyOf(ctx, [req.webUser!], { everyone: false, debugOn: ctx.samlSettings.current().debug });
    res.type('html').send(timelinePage(pageContext(ctx, req), story, { everyone: false, users: [req.webUser!] }));
  });

  router.get('/app/admin/timeline', signedIn, siteAdmin, async (req, res) => {
    const users = (await ctx.store.users.list({}, { number: 1, size: 1000 })).items;
    const story = await storyOf(ctx, users, { everyone: true, debugOn: ctx.samlSettings.current().debug });
    res.type('html').send(timelinePage(pageContext(ctx, req), story, { everyone: true, users }));
  });

  return router;
}
