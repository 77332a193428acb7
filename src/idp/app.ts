/**
 * The test IdP (DESIGN 2, 2b): SP-initiated SSO over HTTP-Redirect and HTTP-POST, IdP-initiated
 * SSO, SLO, an HTML login form and an admin JSON API. Handlers stay thin: request parsing lives
 * in requests.ts, assertion shaping in assertion.ts/faults.ts, signing in issue.ts.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { IdGenerator } from '../ids.ts';
import type { Logger } from '../log.ts';
import { loadSigningCredentials } from '../saml/keys.ts';
import { idpMetadataXml } from '../saml/metadata.ts';
import { SamlRejection } from '../saml/rejection.ts';
import { encodeRedirectMessage, signRedirectQuery } from '../saml/sign.ts';
import type { SpTrust } from '../saml/trust.ts';
import { accessLog } from '../http/access-log.ts';
import { allowedHostnames, hostCheck } from '../http/host-check.ts';
import { SIM_CLOCK_PATH, simClockHandlers } from '../http/sim-clock.ts';
import { adminApi } from './api.ts';
import { buildAssertionModel } from './assertion.ts';
import { directoryFromConfig, type IdpUser, type UserDirectory } from './directory.ts';
import { issueResponse } from './issue.ts';
import { logoutResponseXml } from '../saml/logout.ts';
import { readAuthnRequest, readLogoutRequest, receivePost, receiveRedirect } from './requests.ts';
import { ServiceProviderRegistry, serviceProvidersFromConfig } from './service-providers.ts';
import { IDP_SESSION_COOKIE, IdpSessions, PendingRequests, type IdpSession, type PendingRequest } from './sessions.ts';
import { autoPostPage, errorPage, loginPage, signedInPage, signedOutPage } from './views.ts';

export interface Idp {
  app: import('express').Express;
  metadataXml: string;
  directory: UserDirectory;
  close(): Promise<void>;
}

/** Who the response is about: a live IdP session, or a one-off login (IdP-initiated with ?user=). */
interface Authentication {
  user: IdpUser;
  authnInstant: number;
  sessionIndex: string;
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** One value per field (SP-SECURITY PARAM1); arrays from repeated fields are refused. */
function field(source: unknown, name: string): string | undefined {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

export function createIdp(o: { config: Config; clock: Clock; ids: IdGenerator; logger: Logger; serviceProviders?: SpTrust[] }): Idp {
  const { config, clock, ids } = o;
  const idpConfig = config.idp;
  const logger = o.logger.child({ component: 'idp' });
  const credentials = loadSigningCredentials(idpConfig.signingKey, idpConfig.signingCert);
  const directory = directoryFromConfig(idpConfig);
  const serviceProviders = new ServiceProviderRegistry([...serviceProvidersFromConfig(config), ...(o.serviceProviders ?? [])]);
  const sessions = new IdpSessions(clock, ids, idpConfig.sessionDuration);
  const pending = new PendingRequests(clock, ids);
  const ssoUrl = `${idpConfig.baseUrl}/sso`;
  const sloUrl = `${idpConfig.baseUrl}/slo`;
  const metadataXml = idpMetadataXml({ entityId: idpConfig.entityId, ssoUrl, sloUrl, certificate: credentials.certificate });
  const secureCookie = idpConfig.baseUrl.startsWith('https:');
  const lookupSp = (entityId: string) => serviceProviders.get(entityId);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy.idp);
  const requestLog = accessLog(logger);
  if (requestLog) app.use(requestLog);
  app.use(hostCheck({ allowed: allowedHostnames({ publicUrls: [idpConfig.baseUrl], listenHost: config.host, extra: config.allowedHosts }), what: 'IdP', publicUrlFlag: '--idp-public-url' }));
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    next();
  });

  const html = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);

  function currentSession(req: Request): IdpSession | undefined {
    return sessions.get(readCookie(req, IDP_SESSION_COOKIE));
  }

  function startSession(res: Response, user: IdpUser): IdpSession {
    const session = sessions.create(user.username);
    res.cookie(IDP_SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'lax', secure: secureCookie, path: '/', maxAge: idpConfig.sessionDuration });
    return session;
  }

  function endSession(req: Request, res: Response): IdpSession | undefined {
    const id = readCookie(req, IDP_SESSION_COOKIE);
    const session = sessions.get(id);
    sessions.destroy(id);
    res.clearCookie(IDP_SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: secureCookie, path: '/' });
    return session;
  }

  function authenticationOf(session: IdpSession | undefined): Authentication | undefined {
    if (!session) return undefined;
    const user = directory.get(session.username);
    return user ? { user, authnInstant: session.authnInstant, sessionIndex: session.sessionIndex } : undefined;
  }

  /** Issues and sends the signed Response as the auto-posting form (SAML bindings 3.5). */
  function answer(res: Response, auth: Authentication, sp: SpTrust, inResponseTo: string | null, relayState: string | null) {
    const now = clock.now();
    const model = buildAssertionModel({
      user: auth.user,
      sp,
      idpEntityId: idpConfig.entityId,
      now,
      ids,
      inResponseTo,
      authnInstant: auth.authnInstant,
      sessionIndex: auth.sessionIndex,
      assertionLifetime: idpConfig.assertionLifetime,
      sessionNotOnOrAfter: idpConfig.sessionNotOnOrAfter,
    });
    const issued = issueResponse(model, { credentials, faults: auth.user.faults, now });
    logger.info({ event: 'idp.response', username: auth.user.username, sp: sp.entityId, inResponseTo, responseId: issued.model.responseId, faults: auth.user.faults }, 'issued SAML response');
    html(res, 200, autoPostPage({ action: sp.acsUrl, samlResponse: Buffer.from(issued.xml, 'utf8').toString('base64'), relayState }));
  }

  function showLogin(res: Response, status: number, p: PendingRequest | null, extra: { error?: string; username?: string } = {}) {
    html(res, status, loginPage({ users: directory.list(), requestRef: p?.id ?? null, spEntityId: p?.sp.entityId ?? null, ...extra }));
  }

  /** Shared by both SSO bindings: answer at once with a live session, else ask for a login. */
  function continueAuthnRequest(req: Request, res: Response, sp: SpTrust, requestId: string | null, relayState: string | null, forceAuthn: boolean) {
    const auth = forceAuthn ? undefined : authenticationOf(currentSession(req));
    if (auth) return answer(res, auth, sp, requestId, relayState);
    showLogin(res, 200, pending.add({ sp, requestId, relayState }));
  }

  // SP signing policy: AuthnRequestsSigned in metadata (or a signing cert in config) makes
  // unsigned and mis-signed requests fail (metadata 2.4.4).
  const authnSignatureRequired = (sp: SpTrust) => sp.authnRequestsSigned;
  // SLO: an SP that has a signing key must sign its LogoutRequests (SP-SECURITY SLO1).
  const logoutSignatureRequired = (sp: SpTrust) => sp.signingCertificate !== null;

  app.get('/', (req, res) => {
    const s = currentSession(req);
    if (s) return html(res, 200, signedInPage(s.username));
    res.redirect(303, '/login');
  });

  app.get('/metadata', (_req, res) => {
    res.status(200).type('application/samlmetadata+xml').send(metadataXml);
  });

  app.get('/sso', (req, res) => {
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const m = receiveRedirect(rawQuery, 'SAMLRequest', 'AuthnRequest', lookupSp, authnSignatureRequired);
    const info = readAuthnRequest(m);
    continueAuthnRequest(req, res, m.sp, info.id, m.relayState, info.forceAuthn);
  });

  app.post('/sso', express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 20 }), (req, res) => {
    const m = receivePost(req.body?.SAMLRequest, req.body?.RelayState, 'AuthnRequest', lookupSp, authnSignatureRequired);
    const info = readAuthnRequest(m);
    continueAuthnRequest(req, res, m.sp, info.id, m.relayState, info.forceAuthn);
  });

  app.get('/sso/initiate', (req, res) => {
    const spId = field(req.query, 'sp');
    if (!spId) return html(res, 400, errorPage('Cannot start the login', 'missing ?sp=ENTITYID: the entity ID of a registered service provider'));
    const sp = serviceProviders.get(spId);
    if (!sp) return html(res, 400, errorPage('Cannot start the login', `${spId} is not a registered service provider (see GET /api/service-providers)`));
    const relayState = field(req.query, 'RelayState') ?? null;
    const username = field(req.query, 'user');
    if (username !== undefined) {
      const user = directory.get(username);
      if (!user) return html(res, 400, errorPage('Cannot start the login', `no user ${username} in the test IdP (see GET /api/users)`));
      // A scripted, unsolicited login: no IdP session is created (SAML profiles 4.1.5).
      return answer(res, { user, authnInstant: clock.now(), sessionIndex: ids.samlId() }, sp, null, relayState);
    }
    continueAuthnRequest(req, res, sp, null, relayState, false);
  });

  app.get('/login', (req, res) => {
    const ref = field(req.query, 'request');
    const p = ref ? pending.peek(ref) : undefined;
    if (ref && !p) return html(res, 400, errorPage('Login request expired', 'this login request is unknown or expired: start the login again at the service provider'));
    const s = currentSession(req);
    if (!p && s) return html(res, 200, signedInPage(s.username));
    showLogin(res, 200, p ?? null);
  });

  app.post('/login', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), (req, res) => {
    const ref = field(req.body, 'request');
    const username = field(req.body, 'username') ?? '';
    const password = field(req.body, 'password') ?? '';
    const p = ref ? pending.peek(ref) : undefined;
    if (ref && !p) return html(res, 400, errorPage('Login request expired', 'this login request is unknown or expired: start the login again at the service provider'));
    const user = directory.authenticate(username, password);
    if (!user) {
      logger.info({ event: 'idp.login.failed', username }, 'IdP login failed');
      return showLogin(res, 401, p ?? null, { error: 'Unknown user or wrong password.', username });
    }
    const session = startSession(res, user);
    logger.info({ event: 'idp.login', username: user.username }, 'IdP login');
    if (!p) return html(res, 200, signedInPage(user.username));
    pending.take(p.id);
    answer(res, { user, authnInstant: session.authnInstant, sessionIndex: session.sessionIndex }, p.sp, p.requestId, p.relayState);
  });

  app.get('/slo', (req, res) => {
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    if (!/(^|&)SAMLRequest=/.test(rawQuery)) {
      const s = endSession(req, res);
      if (s) logger.info({ event: 'idp.logout', username: s.username }, 'IdP logout');
      return html(res, 200, signedOutPage());
    }
    const m = receiveRedirect(rawQuery, 'SAMLRequest', 'LogoutRequest', lookupSp, logoutSignatureRequired);
    const info = readLogoutRequest(m);
    const s = endSession(req, res);
    logger.info({ event: 'idp.slo', username: s?.username ?? null, sp: m.sp.entityId, nameId: info.nameId }, 'SAML single logout');
    if (!m.sp.sloUrl) return html(res, 200, signedOutPage());
    const xml = logoutResponseXml({ id: ids.samlId(), issueInstant: clock.now(), issuer: idpConfig.entityId, destination: m.sp.sloUrl, inResponseTo: info.id });
    const query = signRedirectQuery({ type: 'SAMLResponse', message: encodeRedirectMessage(xml), relayState: m.relayState, privateKey: credentials.privateKey });
    res.redirect(302, withQuery(m.sp.sloUrl, query));
  });

  // The dev clock on the IdP's own origin, same path as on the gateway (one clock under `samlgate start`).
  const simClock = simClockHandlers(clock);
  if (simClock) {
    app.get(SIM_CLOCK_PATH, simClock.get);
    app.post(SIM_CLOCK_PATH, express.json({ type: ['application/json', 'application/vnd.api+json'], limit: '4kb' }), simClock.post);
  }

  app.use('/api', adminApi({ directory, serviceProviders, adminToken: idpConfig.adminToken, logger }));

  app.use((_req, res) => html(res, 404, errorPage('Not found', 'There is no such page on the test IdP.')));

  // SAML problems are the SP's configuration talking: show the detail, with 400 (never a 500 or a stack).
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof SamlRejection) {
      logger.warn({ event: 'idp.request.rejected', code: err.code, detail: err.detail }, 'SAML request rejected');
      return html(res, 400, errorPage('The SAML request was refused', `${err.detail} (code ${err.code})`));
    }
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      return html(res, err.status, errorPage('Bad request', err.status === 413 ? 'the request is too large' : 'the request could not be read'));
    }
    logger.error({ err }, 'IdP internal error');
    html(res, 500, errorPage('Internal error', 'The test IdP hit an unexpected error; see its log.'));
  });

  return {
    app,
    metadataXml,
    directory,
    close: async () => {},
  };
}
