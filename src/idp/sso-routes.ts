/**
 * The IdP's sign-in paths: / (who is signed in), /sso (SP-initiated, both bindings),
 * /sso/initiate (IdP-initiated, SAML profiles 4.1.5) and /login (the form and its consent page).
 * Handlers are the steps of sso-steps.ts in order; the pages are login-form.ts.
 */
import express, { Router, type Request, type Response } from 'express';
import { FAULT_NAMES, type FaultName } from '../config.ts';
import type { IdpContext } from './context.ts';
import { directoryEntries, pendingFor, showConfirm, showPicker } from './login-form.ts';
import { csrfRefused, field, sendHtml } from './route-helpers.ts';
import { currentSession, endSession, startSession } from './session-cookie.ts';
import { answer, authenticate, readRequest, resolveServiceProvider } from './sso-steps.ts';
import { errorPage, loginPage, signedInPage } from './views.ts';

/** SP-initiated SSO in either binding: the steps of sso-steps.ts in order (issue and respond are `answer`). */
function ssoHandler(ctx: IdpContext, binding: 'redirect' | 'post') {
  return async function sso(req: Request, res: Response) {
    const request = readRequest(ctx, req, binding);
    const sp = resolveServiceProvider(ctx, request.spEntityId);
    const auth = await authenticate(ctx, req, res, sp, request);
    if (auth) answer(ctx, res, auth, sp, request.requestId, request.relayState);
  };
}

export function ssoRoutes(ctx: IdpContext): Router {
  const { directory, serviceProviders, logger, admin, clock, ids, csrf } = ctx;
  const router = Router();

  router.get('/', (req, res) => {
    const s = currentSession(ctx, req);
    if (s) return sendHtml(res, 200, signedInPage(s.username));
    res.redirect(303, '/login');
  });

  router.get('/sso', ssoHandler(ctx, 'redirect'));
  router.post('/sso', express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 20 }), ssoHandler(ctx, 'post'));

  router.get('/sso/initiate', async (req, res) => {
    const spId = field(req.query, 'sp');
    if (!spId) return sendHtml(res, 400, errorPage('Cannot start the login', 'The link has no ?sp=ENTITYID.', 'Add the entity ID of a registered service provider (see GET /api/service-providers), e.g. /sso/initiate?sp=http://localhost:8080/users/saml/metadata.'));
    const sp = serviceProviders.get(spId);
    if (!sp) return sendHtml(res, 400, errorPage('Cannot start the login', `${spId} is not a registered service provider.`, 'Register its metadata with POST /api/service-providers (or idp.serviceProviders in the config), or fix the sp parameter.'));
    const relayState = field(req.query, 'RelayState') ?? null;
    const username = field(req.query, 'user');
    if (username !== undefined) {
      // A password-less login for anyone in the directory: admin-only when a token is set.
      if (!admin.allows(req)) {
        res.set('WWW-Authenticate', 'Bearer realm="samlgate-idp"');
        return sendHtml(res, 401, errorPage('Admin token required', 'This IdP runs with --idp-admin-token, and /sso/initiate?user= logs in without a password.', 'Send Authorization: Bearer &lt;idp admin token&gt;, or sign in once at <a href="/admin">/admin</a> in this browser; or drop ?user= to get the login page.'));
      }
      const user = directory.get(username);
      if (!user) return sendHtml(res, 400, errorPage('Cannot start the login', `There is no user ${username} in the test IdP.`, 'Pick one from GET /api/users or the <a href="/directory">directory</a>.'));
      // A scripted, unsolicited login: no IdP session is created (SAML profiles 4.1.5).
      return answer(ctx, res, { user, authnInstant: clock.now(), sessionIndex: ids.samlId(), session: null }, sp, null, relayState);
    }
    const auth = await authenticate(ctx, req, res, sp, { requestId: null, relayState, forceAuthn: false, isPassive: false });
    if (auth) answer(ctx, res, auth, sp, null, relayState);
  });

  router.get('/login', async (req, res) => {
    const p = await pendingFor(ctx, req, res, field(req.query, 'request'));
    if (p === undefined) return;
    // "Not you? Switch user": forget the IdP session, then pick someone else.
    if (field(req.query, 'switch') === '1') {
      const ended = endSession(ctx, req, res);
      if (ended) logger.info({ event: 'idp.logout', username: ended.username, reason: 'switch-user' }, 'IdP session ended to switch user');
      // The browser holds no IdP session after this response: the form's token must say so.
      return sendHtml(res, 200, loginPage({ users: directoryEntries(ctx), requestRef: p?.ref ?? null, spEntityId: p?.spEntityId ?? null, csrf: csrf.token(req, res, { session: null }), signedInAs: null }));
    }
    const username = field(req.query, 'user');
    if (username !== undefined) {
      const user = directory.get(username);
      if (!user) return showPicker(ctx, req, res, 404, p, { error: `There is no user ${username} in the directory: pick one below.` });
      return showConfirm(ctx, req, res, 200, user, p);
    }
    const s = currentSession(ctx, req);
    if (!p && s) return sendHtml(res, 200, signedInPage(s.username));
    showPicker(ctx, req, res, 200, p);
  });

  router.post('/login', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), async (req, res) => {
    if (csrfRefused(ctx, req, res)) return;
    const username = field(req.body, 'username') ?? '';
    const password = field(req.body, 'password') ?? '';
    const fault = field(req.body, 'fault') ?? '';
    const p = await pendingFor(ctx, req, res, field(req.body, 'request'));
    if (p === undefined) return;
    // The cookie names the SP and its ACS as they were when the request came in (bindings 3.5.5.2).
    const sp = p ? serviceProviders.get(p.spEntityId) : undefined;
    if (p && (!sp || sp.acsUrl !== p.acsUrl)) {
      const why = sp ? `${p.spEntityId} is now registered with ACS ${sp.acsUrl}, not ${p.acsUrl} as when this login started` : `${p.spEntityId} is no longer a registered service provider`;
      return sendHtml(res, 409, errorPage('Cannot send the response', `${why}.`, 'Start the login again at the service provider.'));
    }
    if (fault !== '' && !(FAULT_NAMES as readonly string[]).includes(fault)) return sendHtml(res, 400, errorPage('Unknown fault', `${fault} is not a fault the IdP knows.`, 'Go back and pick one from the list (docs/idp.md lists them all).'));
    const user = directory.authenticate(username, password);
    if (!user) {
      // Never log the typed username unless it names a user: people type passwords into it.
      const known = directory.get(username) !== undefined;
      logger.info({ event: 'idp.login.failed', knownUser: known, ...(known ? { username } : {}) }, 'IdP login failed');
      return showPicker(ctx, req, res, 401, p, { error: 'Unknown user or wrong password.', username: known ? username : '' });
    }
    const session = startSession(ctx, req, res, user);
    logger.info({ event: 'idp.login', username: user.username, fault: fault || undefined }, 'IdP login');
    if (!p || !sp) return sendHtml(res, 200, signedInPage(user.username));
    ctx.pending.close(res, p.ref);
    answer(ctx, res, { user, authnInstant: session.authnInstant, sessionIndex: session.sessionIndex, session }, sp, p.requestId, p.relayState, fault ? [fault as FaultName] : []);
  });

  return router;
}
