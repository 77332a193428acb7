/**
 * TFE's SAML paths on the gateway: /session (start login: loginStart, which the app mounts on
 * its own), /users/saml/metadata (SP metadata, also the entity ID), /users/saml/auth (ACS),
 * /users/saml/slo, and POST /logout.
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { sendRedirect } from '../http/redirect.ts';
import { SamlRejection } from '../saml/rejection.ts';
import { spMetadataXml } from '../saml/metadata.ts';
import { encodeRedirectMessage, signRedirectQuery } from '../saml/sign.ts';
import { logoutRequestXml } from '../saml/logout.ts';
import { receiveLogoutRequest, receiveLogoutResponse } from './slo.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { authnRequestRedirectUrl } from './authn-request.ts';
import { loginRefusalAsRejection, verifyLoginResponse, type VerifiedLogin, type VerifyOptions } from './acs.ts';
import type { LoginAttempt } from './login-attempts.ts';
import { refusedLoginPage } from '../pages/views/saml-debug.ts';
import { inspectLoginResponse } from '../saml/verify/response.ts';
import { decodePostedMessage } from '../saml/verify/transport.ts';
import { findingFromRejection } from '../saml/verify/findings.ts';
import { syncUserAtLogin } from '../tfe/users.ts';
import { syncOrganizationsAtLogin } from '../tfe/login-sync.ts';
import { userAttributeNames } from '../tfe/saml-settings.ts';
import { reservedUserId } from '../tfe/memberships.ts';
import { csrfTokenMatches } from '../gateway/auth.ts';
import { PENDING_LOGIN_TTL_MS, safeReturnPath, SESSION_COOKIE } from '../gateway/web-session.ts';
import { PENDING_COOKIE, type PendingLogins } from './pending-login-cookie.ts';
import { escapeHtml } from '../util/html.ts';
import { messagePage, type PageContext } from '../pages/views/pages.ts';
import { pageChrome } from '../pages/page-chrome.ts';

/** How old an AuthnInstant may be when the assertion arrives (SP-SECURITY AUTHN2). */
const MAX_AUTHN_AGE_MS = 24 * 3_600_000;
/** Cap on an assertion's validity window (TIME10). */
const MAX_ASSERTION_LIFETIME_MS = 24 * 3_600_000;
/** The ACS takes one form field of base64 XML; 256 KiB is far above any real assertion (SIZE1). */
const ACS_BODY_LIMIT = '256kb';

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function pageContext(ctx: GatewayContext, req: Request): PageContext {
  const flash = req.session?.flash;
  if (flash) delete req.session.flash;
  return { user: req.webUser, csrfToken: req.webUser ? req.session.csrfToken : undefined, flash, now: ctx.clock.now(), manualClock: ctx.clock.kind === 'manual', ...pageChrome(ctx, req) };
}

function logoutRequestUrl(ctx: GatewayContext, nameId: string, sessionIndex: string | null): string | null {
  if (!ctx.idp.sloUrl) return null;
  const xml = logoutRequestXml({ id: ctx.ids.samlId(), issueInstant: ctx.clock.now(), issuer: ctx.config.gateway.entityId, destination: ctx.idp.sloUrl, nameId, sessionIndex });
  const query = signRedirectQuery({ type: 'SAMLRequest', message: encodeRedirectMessage(xml), privateKey: ctx.sp.privateKey });
  return `${ctx.idp.sloUrl}${ctx.idp.sloUrl.includes('?') ? '&' : '?'}${query}`;
}

/**
 * A browser does not send a SameSite=Lax cookie with a cross-site POST, which is what the IdP's
 * auto-posting form is when the IdP lives on another site. Without the pending-login cookie the
 * response cannot be matched to the browser's own AuthnRequest (IRT binding). Rather than weaken
 * the cookies to SameSite=None, the ACS answers such a POST once with a page that re-posts the
 * same fields from our own origin: a same-site POST, so the browser attaches its cookies.
 */
const RELAY_FIELD = '_samlgate_relay';

function needsSameSiteRelay(req: Request): boolean {
  const cookies = req.headers.cookie ?? '';
  const laxCookieSent = cookies.includes(`${PENDING_COOKIE}=`) || cookies.includes(`${SESSION_COOKIE}=`);
  return !laxCookieSent && req.body?.[RELAY_FIELD] !== '1' && typeof req.body?.SAMLResponse === 'string';
}

/**
 * GET /session from a browser without a session cookie: nothing there can be signed in, and the
 * route reads only the pending-login cookie, so the gateway runs it without express-session (whose
 * new-session id, hooks on the response and end-of-request hash were ~10% of this request, the
 * one any web page can make a browser send; issue 15). Any session cookie, even a stale or forged
 * one, takes the normal path (the substring test errs towards running the session).
 */
export function isAnonymousLoginStart(req: Request): boolean {
  return req.method === 'GET' && req.path === '/session' && !(req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`);
}

/** The operator's detail says why a cookie that was sent named no login (tampered, another key, expired). */
function withCookieProblem(err: unknown, cookie: PendingLogins): unknown {
  if (!(err instanceof SamlRejection) || err.code !== 'E_IN_RESPONSE_TO' || cookie.problem === null) return err;
  const why = cookie.problem === 'expired' ? `expired (a login is pending for ${PENDING_LOGIN_TTL_MS / 60_000} minutes)` : 'not signed by this gateway (tampered, or from a gateway with another session secret)';
  return new SamlRejection('E_IN_RESPONSE_TO', `${err.detail}; the browser's ${PENDING_COOKIE} cookie is ${why}`, { claim: 'InResponseTo', fix: 'start the login again from /session' });
}

function sendRelayPage(res: Response, acsUrl: string, body: Record<string, unknown>, nonce: string): void {
  const field = (name: string) => (typeof body[name] === 'string' ? `<input type="hidden" name="${name}" value="${escapeHtml(body[name])}">` : '');
  res.set('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`);
  res.type('html').send(
    `<!doctype html><html><head><meta charset="utf-8"><title>Signing in…</title></head><body>` +
      `<form method="post" action="${escapeHtml(acsUrl)}">${field('SAMLResponse')}${field('RelayState')}<input type="hidden" name="${RELAY_FIELD}" value="1">` +
      `<noscript><button type="submit">Continue signing in</button></noscript></form>` +
      `<script nonce="${nonce}">document.forms[0].submit()</script></body></html>`,
  );
}

/** The admin SAML settings have `enabled: false`: no SAML login starts or completes. */
function sendSsoDisabled(ctx: GatewayContext, req: Request, res: Response): void {
  res.status(403).type('html').send(messagePage(pageContext(ctx, req), 'Single sign-on is turned off', 'SAML single sign-on is disabled in the admin SAML settings. A site admin can turn it back on (PATCH /api/v2/admin/saml-settings with "enabled": true).'));
}

/**
 * GET /session, the start of every login: a 303 home for a signed-in browser, otherwise the
 * AuthnRequest redirect to the IdP. The gateway mounts it right after the prelude and the
 * /api/v2 table (src/gateway/app.ts), ahead of the other routers, with the browser session only
 * when a session cookie was sent (isAnonymousLoginStart): any web page can make a browser send
 * it, so it is kept to the work it needs (issue 15).
 *
 * Costs no stored state: the AuthnRequest's ID, RelayState and return path go into the browser's
 * signed pending-login cookie, and nothing here touches req.session (with saveUninitialized off,
 * an untouched new session is never written).
 */
export function loginStart(ctx: GatewayContext): RequestHandler {
  const gw = ctx.config.gateway;
  return function loginStart(req, res) {
    if (req.webUser && req.query.force === undefined) return sendRedirect(req, res, 303, safeReturnPath(req.query.return_to));
    const saml = ctx.samlSettings.current();
    if (!saml.enabled) return sendSsoDisabled(ctx, req, res);
    const now = ctx.clock.now();
    const requestId = ctx.ids.samlId();
    const relayState = ctx.ids.random(24);
    const { logins } = ctx.pendingLogins.read(req, now);
    ctx.pendingLogins.write(req, res, [...logins, { requestId, relayState, expiresAt: now + PENDING_LOGIN_TTL_MS, returnTo: safeReturnPath(req.query.return_to) }], now);
    const url = authnRequestRedirectUrl(
      { id: requestId, issueInstant: now, spEntityId: gw.entityId, acsUrl: gw.acsUrl, destination: ctx.idp.ssoRedirectUrl },
      relayState,
      // TFE's authn-requests-signed; samlgate's default is true (the embedded IdP wants signed requests).
      saml['authn-requests-signed'] ? ctx.sp.privateKey : null,
    );
    sendRedirect(req, res, 302, url);
  };
}

export function spRoutes(ctx: GatewayContext): Router {
  const router = Router();
  const gw = ctx.config.gateway;
  // The SP key pair also decrypts: TFE takes one SP certificate for both, and a dev tool gains
  // nothing from a second secret (the metadata publishes it with use="encryption" as well).
  // AuthnRequestsSigned follows the admin setting authn-requests-signed, live (both documents built once).
  const metadataFor = (signed: boolean) => spMetadataXml({ entityId: gw.entityId, acsUrl: gw.acsUrl, sloUrl: gw.sloUrl, certificate: ctx.sp.certificate, encryptionCertificate: ctx.sp.certificate, authnRequestsSigned: signed });
  const metadata = { signed: metadataFor(true), unsigned: metadataFor(false) };
  // TFE's SAML debug: the config (on by default with the manual clock) or the admin setting, live.
  const debugOn = () => ctx.samlSettings.current().debug;
  const verifyOptions = (): VerifyOptions => ({
    sp: { entityId: gw.entityId, acsUrl: gw.acsUrl },
    idp: ctx.idp,
    clock: ctx.clock,
    clockSkewMs: gw.clockSkew,
    maxAuthnAgeMs: MAX_AUTHN_AGE_MS,
    maxAssertionLifetimeMs: MAX_ASSERTION_LIFETIME_MS,
    replay: ctx.store.replay,
    attributePolicy: { allowAbsentNameFormat: gw.relaxNameFormat, strictAttributes: gw.strictAttributes, userAttributes: userAttributeNames(ctx.samlSettings.current()) },
    allowUnsolicited: gw.allowIdpInitiated,
    decryption: { keys: [ctx.sp.privateKey], allowCbc: gw.allowCbcEncryption },
    requireAssertionSignature: ctx.samlSettings.current()['want-assertions-signed'],
  });
  /** Debug view: the whole findings report of the shared core for this posted response. */
  const recordAttempt = (encoded: unknown, now: number, o: Pick<LoginAttempt, 'outcome' | 'code' | 'detail' | 'fix' | 'userId'>, extra: SamlRejection | null): LoginAttempt | null => {
    if (!debugOn()) return null;
    let xml: string | null = null;
    try {
      xml = decodePostedMessage(encoded);
    } catch {
      xml = null;
    }
    const v = verifyOptions();
    const inspection = xml ? inspectLoginResponse(xml, { sp: v.sp, idp: v.idp, now, clockSkewMs: v.clockSkewMs, maxAuthnAgeMs: v.maxAuthnAgeMs, maxAssertionLifetimeMs: v.maxAssertionLifetimeMs, attributePolicy: v.attributePolicy, decryption: v.decryption! }) : null;
    const findings = inspection?.findings ?? [];
    // Checks only the ACS makes (InResponseTo, replay) are not in the core's report.
    if (extra && !findings.some((f) => f.code === extra.code)) findings.unshift(findingFromRejection(extra));
    const r = inspection?.response;
    return ctx.loginAttempts.add({
      ...o,
      at: now,
      xml,
      decryptedAssertionXml: inspection?.decryptedAssertionXml ?? null,
      signed: { response: r?.responseSigned ?? false, assertion: r?.assertionSigned ?? false },
      attributes: r?.attributes ?? [],
      serviceAccount: r?.serviceAccount ? { flagged: r.serviceAccount.flagged } : null,
      findings,
      nameId: r?.nameId || null,
    });
  };

  router.get('/users/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml').send(ctx.samlSettings.current()['authn-requests-signed'] ? metadata.signed : metadata.unsigned);
  });

  /**
   * ACS step 2, after the core verified the response: the pending AuthnRequest it answers, held
   * to its RelayState and burned once (SP-SECURITY 10.2 step 8). Undefined for an unsolicited
   * response the core already allowed.
   */
  const claimPendingRequest = async (req: Request, pending: PendingLogins['logins'], verified: VerifiedLogin, now: number) => {
    const used = pending.find((p) => p.requestId === verified.inResponseTo);
    if (!used) return undefined;
    // The IdP must echo the RelayState it got (bindings 3.4.3); a missing or different one
    // means the response was not delivered along with this browser's own request.
    if (req.body?.RelayState !== used.relayState) {
      throw new SamlRejection('E_IN_RESPONSE_TO', `the posted RelayState ${req.body?.RelayState === undefined ? 'is missing' : 'does not match the one'} sent with the AuthnRequest this response answers`, { claim: 'RelayState', fix: 'have the IdP return the RelayState of the AuthnRequest unchanged' });
    }
    // Single-use request IDs: the cookie is the browser's to keep and post again, so the ID is
    // burned here, server-side, once a response for it passed every check (a write only a
    // verified IdP response can cause).
    if (!(await ctx.store.replay.claim(`authn-request:${used.requestId}`, used.expiresAt, now))) {
      throw new SamlRejection('E_IN_RESPONSE_TO', `the response answers request ${JSON.stringify(used.requestId)}, which already completed a login: start the login again from /session`);
    }
    return used;
  };

  /** ACS step 3: the user and their organization memberships, as the verification core read them. */
  const completeLogin = async (verified: VerifiedLogin, teamManagement: boolean) => {
    // Rule S5 as the verification core read it, with the admin's attribute names (the debug view shows the same).
    const attrs = verified.user;
    const user = await syncUserAtLogin(ctx, {
      nameId: verified.nameId,
      username: attrs.username,
      memberOf: attrs.memberOf,
      siteAdmin: attrs.siteAdmin,
      isServiceAccount: verified.serviceAccount.flagged,
      loginFindings: verified.attributeNotes.map(({ code, message, fix }) => ({ code, message, fix })),
      // An invited email becomes the user its invitation already names.
      newUserId: reservedUserId(verified.nameId),
    });
    const orgSync = await syncOrganizationsAtLogin(ctx.tfe, user, { memberOf: attrs.memberOf, memberOfSent: attrs.memberOfSent, teamManagement, ceiling: ctx.policy });
    // Near-misses are loud: the log, the account and admin pages, and the debug view.
    for (const f of verified.attributeNotes) {
      ctx.logger.warn({ userId: user.id, code: f.code }, `SAML attribute near-miss: ${f.message}; fix: ${f.fix}`);
    }
    return { user, limits: orgSync.limits };
  };

  /** ACS step 4: a new session for the user; the used login leaves the cookie, other tabs' logins stay. */
  const startSession = async (req: Request, res: Response, login: { pending: PendingLogins['logins']; used: PendingLogins['logins'][number] | undefined; verified: VerifiedLogin; userId: string; limits: NonNullable<typeof req.session.login>['limits']; now: number }) => {
    const { verified, now } = login;
    ctx.pendingLogins.write(req, res, login.pending.filter((p) => p !== login.used), now);
    // A fresh session id at login defeats session fixation.
    await regenerateSession(req);
    req.session.csrfToken = ctx.ids.random(32);
    req.session.login = {
      userId: login.userId,
      loginAt: now,
      lastSeenAt: now,
      samlNotOnOrAfter: verified.sessionNotOnOrAfter,
      sessionIndex: verified.sessionIndex,
      nameId: verified.nameId,
      limits: login.limits,
    };
  };

  /** A refused response: logged, counted, and shown (with the findings when SAML debug is on). */
  const sendRefusal = (req: Request, res: Response, err: SamlRejection, now: number) => {
    ctx.logger.warn({ code: err.code, detail: err.detail }, 'SAML response rejected');
    ctx.rejections.add({ at: now, code: err.code, detail: err.detail });
    const status = err.code === 'E_TRANSPORT' ? 400 : 403;
    if (debugOn()) {
      const fix = err.fix ?? findingFromRejection(err).fix;
      const attempt = recordAttempt(req.body?.SAMLResponse, now, { outcome: 'refused', code: err.code, detail: err.detail, fix, userId: null }, err);
      return res.status(status).type('html').send(refusedLoginPage(pageContext(ctx, req), { code: err.code, detail: err.detail, fix, attemptId: attempt?.id ?? null, isAdmin: Boolean(req.webUser?.isSiteAdmin) }));
    }
    res.status(status).type('html').send(messagePage(pageContext(ctx, req), 'Sign-in failed', err.publicMessage));
  };

  const acsBody = express.urlencoded({ extended: false, limit: ACS_BODY_LIMIT, parameterLimit: 10 });
  // The ACS in named steps: verify the response (acs.ts and the shared core), claim the request
  // it answers, complete the login, start the session, redirect.
  router.post('/users/saml/auth', acsBody, async (req, res) => {
    if (needsSameSiteRelay(req)) return sendRelayPage(res, gw.acsUrl, req.body, ctx.ids.random(22));
    const now = ctx.clock.now();
    const saml = ctx.samlSettings.current();
    if (!saml.enabled) return sendSsoDisabled(ctx, req, res);
    const cookie = ctx.pendingLogins.read(req, now);
    const pending = cookie.logins;
    try {
      const verified = await verifyLoginResponse(req.body?.SAMLResponse, pending.map((p) => p.requestId), verifyOptions()).catch((err) => {
        throw withCookieProblem(err, cookie);
      });
      const used = await claimPendingRequest(req, pending, verified, now);
      const { user, limits } = await completeLogin(verified, saml['team-management-enabled']);
      recordAttempt(req.body?.SAMLResponse, now, { outcome: 'accepted', code: null, detail: null, fix: null, userId: user.id }, null);
      await startSession(req, res, { pending, used, verified, userId: user.id, limits, now });
      ctx.logger.info({ userId: user.id, username: user.username, serviceAccount: user.isServiceAccount }, 'SAML login');
      res.redirect(303, used?.returnTo ?? '/');
    } catch (caught) {
      const err = loginRefusalAsRejection(caught);
      if (!(err instanceof SamlRejection)) throw err;
      sendRefusal(req, res, err, now);
    }
  });

  router.all('/users/saml/auth', (_req, res) => {
    res.status(405).set('Allow', 'POST').type('text').send('The ACS accepts only HTTP-POST (SAML bindings 3.5).');
  });

  router.get('/users/saml/slo', async (req, res) => {
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    try {
      if (/(^|&)SAMLRequest=/.test(rawQuery)) {
        const { redirect } = await receiveLogoutRequest(ctx, rawQuery);
        if (redirect) return res.redirect(302, redirect);
        return res.type('html').send(messagePage(pageContext(ctx, req), 'Signed out', 'Your identity provider ended your session.'));
      }
      if (/(^|&)SAMLResponse=/.test(rawQuery)) {
        req.session.flash = receiveLogoutResponse(ctx, rawQuery);
        return res.redirect(303, '/');
      }
      res.status(400).type('html').send(messagePage(pageContext(ctx, req), 'Single logout', 'This endpoint takes a SAML LogoutRequest or LogoutResponse (HTTP-Redirect binding).'));
    } catch (err) {
      if (!(err instanceof SamlRejection)) throw err;
      ctx.logger.warn({ code: err.code, detail: err.detail }, 'SAML logout message rejected');
      ctx.rejections.add({ at: ctx.clock.now(), code: err.code, detail: err.detail });
      res.status(400).type('html').send(messagePage(pageContext(ctx, req), 'Sign-out failed', err.publicMessage));
    }
  });

  router.post('/logout', express.urlencoded({ extended: false, limit: '8kb' }), async (req: Request, res: Response) => {
    const login = req.session?.login;
    if (login && !csrfTokenMatches(req.session.csrfToken, req.body?._csrf ?? req.get('x-csrf-token'))) {
      return res.status(403).type('html').send(messagePage(pageContext(ctx, req), 'Sign-out refused', 'The form was missing its CSRF token; reload the page and try again.'));
    }
    // Only a stored session is ended: destroying a browser's brand-new one would write a tombstone
    // per anonymous (cross-site) POST /logout (regression: each one added a row that, under the
    // manual clock, was never purged).
    const stored = login !== undefined || ((req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`) && (await ctx.store.sessions.get(req.sessionID)) !== undefined);
    if (stored) await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    if (login) ctx.logger.info({ userId: login.userId }, 'logout');
    if (login) ctx.timeline.sessionEnded({ at: ctx.clock.now(), userId: login.userId, reason: 'sign-out' });
    const slo = login ? logoutRequestUrl(ctx, login.nameId, login.sessionIndex) : null;
    res.redirect(303, slo ?? '/');
  });

  return router;
}
