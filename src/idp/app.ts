/**
 * The test IdP (DESIGN 2, 2b): SP-initiated SSO over HTTP-Redirect and HTTP-POST, IdP-initiated
 * SSO, single logout in both directions, an HTML login page, admin pages and an admin JSON API.
 * Handlers stay thin: request parsing lives in requests.ts, assertion shaping in
 * assertion.ts/faults.ts, signing and encryption in issue.ts, logout in slo.ts, pages in
 * views.ts/admin-views.ts, who may do what in admin-auth.ts and csrf.ts, and a login waiting for
 * its form in the browser's own signed cookie (pending-login.ts).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.ts';
import { FAULT_NAMES, type Config, type FaultName } from '../config.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { assetRoutes } from '../http/assets.ts';
import type { IdGenerator } from '../ids.ts';
import type { Logger } from '../log.ts';
import { certificateFromPem, KeyError, loadSigningCredentials, type Certificate } from '../saml/keys.ts';
import { MetadataError } from '../saml/metadata.ts';
import { SamlRejection } from '../saml/rejection.ts';
import { signElement } from '../saml/sign.ts';
import { accessLog } from '../http/access-log.ts';
import { allowedHostnames, hostCheck } from '../http/host-check.ts';
import { SIM_CLOCK_PATH, simClockHandlers } from '../http/sim-clock.ts';
import { stateKey } from '../http/signed-state.ts';
import { adminApi } from './api.ts';
import { adminPages } from './admin-pages.ts';
import { AdminAuth } from './admin-auth.ts';
import { buildAssertionModel, serializeStatusResponse } from './assertion.ts';
import { readCookie } from './cookies.ts';
import { allowedOrigins, CsrfGuard, csrfFailureReason } from './csrf.ts';
import { directoryFromConfig, type IdpUser, type UserDirectory } from './directory.ts';
import { ResponseRing } from './inspector.ts';
import { IssuanceError, issueResponse } from './issue.ts';
import { idpMetadata } from './metadata.ts';
import { previewModel, serviceAccountPreview, readServiceAccount } from './preview.ts';
import { readAuthnRequest, readLogoutRequest, receivePost, receiveRedirect } from './requests.ts';
import { ServiceProviderRegistry, serviceProvidersFromConfig, spFromMetadata, type IdpServiceProvider } from './service-providers.ts';
import { PendingLogins, PENDING_TTL_MS, type PendingLogin } from './pending-login.ts';
import { IDP_SESSION_COOKIE, IdpSessions, type IdpSession } from './sessions.ts';
import { isSuccess, logoutRequestForSp, logoutResponseForSp, LogoutRuns, readLogoutResponse, toSp, type LogoutRun, type Outgoing } from './slo.ts';
import type { AssertionPreview } from './views.ts';
import { autoPostPage, confirmLoginPage, errorPage, loginPage, SCRIPT_HASHES, signedInPage, signedOutPage } from './views.ts';
import { existsSync, readFileSync } from 'node:fs';

export interface Idp {
  app: import('express').Express;
  metadataXml: string;
  directory: UserDirectory;
  serviceProviders: ServiceProviderRegistry;
  /** The IdP's login sessions (persisted through src/idp/persistence.ts when a data directory is used). */
  sessions: IdpSessions;
  /** Resolves once SP metadata URLs from the config are fetched (failures are logged, not thrown). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Who the response is about: a live IdP session, or a one-off login (IdP-initiated with ?user=). */
interface Authentication {
  user: IdpUser;
  authnInstant: number;
  sessionIndex: string;
  session: IdpSession | null;
}

/** One value per field (SP-SECURITY PARAM1); arrays from repeated fields are refused. */
function field(source: unknown, name: string): string | undefined {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

const rawQueryOf = (req: Request) => (req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');

const STATUS = {
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
};

const NO_PENDING_LOGIN = {
  expired: `This login request is unknown or has expired: a login form stays valid for ${PENDING_TTL_MS / 60_000} minutes, and each can be used once.`,
  unknown:
    'This login request is unknown or has expired: this browser holds no pending login for it. It was completed already, or started in another browser or window, or the browser refuses the IdP\'s cookies (the IdP keeps each pending login in a cookie of the browser that came from the service provider).',
} as const;

function readCertificateFile(file: string, what: string): Certificate {
  if (!existsSync(file)) throw new KeyError(`${what}: ${file} does not exist`);
  return certificateFromPem(readFileSync(file, 'utf8'));
}

/**
 * `secret` keys the IdP's CSRF tokens and pending-login cookies (DIR/idp-secret, so both survive
 * a restart); without one (`--data :memory:`, tests) a fresh one per process.
 */
/** Step 1 of createIdp: the Express app with the IdP's transport middleware (log, Host, headers, assets). */
function idpExpressApp(config: Config, logger: Logger) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy.idp);
  app.set('etag', false);
  const requestLog = accessLog(logger);
  if (requestLog) app.use(requestLog);
  app.use(hostCheck({ allowed: allowedHostnames({ publicUrls: [config.idp.baseUrl], listenHost: config.host, extra: config.allowedHosts }), what: 'IdP', publicUrlFlag: '--idp-public-url' }));
  app.use(securityHeaders({ scriptHashes: SCRIPT_HASHES, extra: [['Cache-Control', 'no-store']] }));
  app.use(assetRoutes());
  return app;
}

/** SP metadata URLs from the config, fetched once at start; a failure is logged, never thrown. */
function registerRemoteServiceProviders(remote: ReturnType<typeof serviceProvidersFromConfig>['remote'], serviceProviders: ServiceProviderRegistry, logger: Logger): Promise<void> {
  return Promise.all(
    remote.map(async ({ url, settings }) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        if (!res.ok) throw new MetadataError(`HTTP ${res.status}`);
        const sp = serviceProviders.register(spFromMetadata(await res.text(), settings, 'config'));
        logger.info({ event: 'idp.sp.registered', entityId: sp.entityId, from: url }, 'service provider registered from metadata URL');
      } catch (err) {
        logger.error({ event: 'idp.sp.metadata-failed', url, reason: (err as Error).message }, `cannot load SP metadata from ${url}: ${(err as Error).message}; register it later with POST /api/service-providers`);
      }
    }),
  ).then(() => undefined);
}

const sendHtml = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);

function notFound(_req: Request, res: Response): void {
  sendHtml(res, 404, errorPage('Not found', 'There is no such page on the test IdP.', 'Go to the <a href="/login">login page</a> or the <a href="/directory">directory</a>.'));
}

/** Last step of createIdp: SAML problems are the SP's configuration talking: show the detail, with 400 (never a 500 or a stack). */
function idpErrorHandler(logger: Logger) {
  return (err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof SamlRejection) {
      logger.warn({ event: 'idp.request.rejected', code: err.code, detail: err.detail }, 'SAML request rejected');
      return sendHtml(res, 400, errorPage('The SAML request was refused', `${err.detail} (code ${err.code})`, 'Fix the service provider\'s SAML settings (its metadata, keys or URLs), then start the login again there.'));
    }
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      return sendHtml(res, err.status, errorPage('Bad request', err.status === 413 ? 'The request is too large.' : 'The request could not be read.', 'Go back and try again.'));
    }
    logger.error({ err }, 'IdP internal error');
    sendHtml(res, 500, errorPage('Internal error', 'The test IdP hit an unexpected error; see its log.', 'Report it with the log line; start the login again meanwhile.'));
  };
}

export function createIdp(o: { config: Config; clock: Clock; ids: IdGenerator; logger: Logger; secret?: string }): Idp {
  const { config, clock, ids } = o;
  const idpConfig = config.idp;
  const logger = o.logger.child({ component: 'idp' });
  const credentials = loadSigningCredentials(idpConfig.signingKey, idpConfig.signingCert);
  const signingCertificates = [credentials.certificate, ...(idpConfig.nextSigningCert ? [readCertificateFile(idpConfig.nextSigningCert, 'idp.nextSigningCert')] : [])];
  const directory = directoryFromConfig(idpConfig);
  const defaults = { assertionLifetime: idpConfig.assertionLifetime, sessionNotOnOrAfter: idpConfig.sessionNotOnOrAfter };
  const configured = serviceProvidersFromConfig(config);
  const serviceProviders = new ServiceProviderRegistry(defaults, configured.ready);
  const sessions = new IdpSessions(clock, ids, idpConfig.sessionDuration);
  const runs = new LogoutRuns(clock, ids);
  const ring = new ResponseRing();
  const secureCookie = idpConfig.baseUrl.startsWith('https:');
  const secret = o.secret ?? ids.random(48);
  const pending = new PendingLogins(stateKey(secret, 'samlgate-idp pending-login'), clock, secureCookie);
  const csrf = new CsrfGuard(stateKey(secret, 'samlgate-idp csrf'), ids, { secureCookie, allowedOrigins: allowedOrigins(idpConfig.baseUrl), sessionCookie: IDP_SESSION_COOKIE });
  const admin = new AdminAuth(idpConfig.adminToken, ids, secureCookie);
  const sloUrl = `${idpConfig.baseUrl}/slo`;
  const metadataXml = idpMetadata({ entityId: idpConfig.entityId, ssoUrl: `${idpConfig.baseUrl}/sso`, sloUrl, signingCertificates });
  const lookupSp = (entityId: string) => serviceProviders.get(entityId);

  const ready = registerRemoteServiceProviders(configured.remote, serviceProviders, logger);

  const app = idpExpressApp(config, logger);

  const html = sendHtml;

  function currentSession(req: Request): IdpSession | undefined {
    const s = sessions.get(readCookie(req, IDP_SESSION_COOKIE));
    return s && directory.get(s.username) ? s : undefined;
  }

  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: secureCookie, path: '/' };

  /** A new login replaces whatever session the browser had (switch user, ForceAuthn). */
  function startSession(req: Request, res: Response, user: IdpUser): IdpSession {
    sessions.destroy(readCookie(req, IDP_SESSION_COOKIE));
    const session = sessions.create(user.username);
    res.cookie(IDP_SESSION_COOKIE, session.id, { ...cookieOptions, maxAge: idpConfig.sessionDuration });
    return session;
  }

  function endSession(req: Request, res: Response): IdpSession | undefined {
    const id = readCookie(req, IDP_SESSION_COOKIE);
    const session = sessions.get(id);
    sessions.destroy(id);
    res.clearCookie(IDP_SESSION_COOKIE, cookieOptions);
    return session;
  }

  function authenticationOf(session: IdpSession | undefined): Authentication | undefined {
    if (!session) return undefined;
    const user = directory.get(session.username);
    return user ? { user, authnInstant: session.authnInstant, sessionIndex: session.sessionIndex, session } : undefined;
  }

  function send(res: Response, out: Outgoing, note?: string) {
    if (out.kind === 'redirect') return res.redirect(302, out.url);
    html(res, 200, autoPostPage({ action: out.action, field: out.field, samlResponse: out.value, relayState: out.relayState, note }));
  }

  /** Issues and sends the Response as the auto-posting form (SAML bindings 3.5). */
  function answer(res: Response, auth: Authentication, sp: IdpServiceProvider, inResponseTo: string | null, relayState: string | null, extraFaults: readonly FaultName[] = []) {
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
      settings: sp.settings,
    });
    const faults = directory.faultsForNextResponse(auth.user.username, extraFaults);
    let issued;
    try {
      issued = issueResponse(model, { credentials, faults, now, encryptionCertificate: sp.encryptionCertificate });
    } catch (err) {
      if (err instanceof IssuanceError) {
        logger.warn({ event: 'idp.response.refused', sp: sp.entityId, reason: err.message }, 'cannot issue the response');
        return html(res, 409, errorPage('Cannot send the response', err.message, 'Fix the SP registration (see GET /api/service-providers and docs/idp.md), then start the login again.'));
      }
      throw err;
    }
    auth.session?.participants.set(sp.entityId, { entityId: sp.entityId, nameId: issued.model.nameId, nameIdFormat: issued.model.nameIdFormat });
    if (auth.session) sessions.saved(auth.session);
    ring.add({
      id: issued.model.responseId,
      at: now,
      kind: 'login',
      sp: sp.entityId,
      username: auth.user.username,
      inResponseTo,
      faults,
      encryption: issued.model.encryption,
      xml: issued.xml,
      plaintextAssertion: issued.model.encryption ? issued.assertionXml : null,
    });
    logger.info({ event: 'idp.response', username: auth.user.username, sp: sp.entityId, inResponseTo, responseId: issued.model.responseId, faults }, 'issued SAML response');
    html(res, 200, autoPostPage({ action: sp.acsUrl, samlResponse: Buffer.from(issued.xml, 'utf8').toString('base64'), relayState, note: `Signing in to ${sp.entityId} as ${auth.user.username}…` }));
  }

  /** IsPassive and nobody signed in: Responder/NoPassive, signed as the SP expects (core 3.4.1.4). */
  function answerNoPassive(res: Response, sp: IdpServiceProvider, inResponseTo: string | null, relayState: string | null, why: string) {
    const now = clock.now();
    const id = ids.samlId();
    let xml = serializeStatusResponse({ id, issueInstant: now, issuer: idpConfig.entityId, destination: sp.acsUrl, inResponseTo, status: STATUS.responder, subStatus: STATUS.noPassive, message: why });
    if (sp.settings.signResponse || sp.settings.signAssertion) xml = signElement(xml, { credentials, elementLocalName: 'Response', algorithm: sp.settings.signatureAlgorithm });
    ring.add({ id, at: now, kind: 'no-passive', sp: sp.entityId, username: null, inResponseTo, faults: [], encryption: null, xml, plaintextAssertion: null });
    logger.info({ event: 'idp.response.no-passive', sp: sp.entityId, inResponseTo }, 'IsPassive request answered with NoPassive');
    html(res, 200, autoPostPage({ action: sp.acsUrl, samlResponse: Buffer.from(xml, 'utf8').toString('base64'), relayState }));
  }

  function directoryEntries() {
    return directory.list().map((u) => ({ username: u.username, displayName: u.displayName, pickOnly: u.password === null, serviceAccount: serviceAccountPreview(u) }));
  }

  function showPicker(req: Request, res: Response, status: number, p: PendingLogin | null, extra: { error?: string; username?: string } = {}) {
    html(res, status, loginPage({ users: directoryEntries(), requestRef: p?.ref ?? null, spEntityId: p?.spEntityId ?? null, csrf: csrf.token(req, res), signedInAs: currentSession(req)?.username ?? null, ...extra }));
  }

  /** Exactly what this user's next assertion to this SP says (faults of the user included). */
  function previewFor(user: IdpUser, sp: IdpServiceProvider | null): AssertionPreview {
    const settings = (sp ?? serviceProviders.get(config.gateway.entityId))!.settings;
    const faults = [...user.faults, ...(user.nextFaults?.faults ?? [])];
    const now = clock.now();
    const m = previewModel({ user, faults, settings, sp: sp ?? undefined, idpEntityId: idpConfig.entityId, now });
    return {
      nameId: m.nameId,
      nameIdFormat: m.nameIdFormat,
      attributes: m.attributes,
      sessionNotOnOrAfter: m.sessionNotOnOrAfter,
      assertionLifetime: m.notOnOrAfter - m.notBefore,
      signing: !m.signResponse && !m.signAssertion ? 'none (unsigned fault)' : `${[m.signResponse && 'Response', m.signAssertion && 'Assertion'].filter(Boolean).join(' and ')}, ${m.signatureAlgorithm.toUpperCase()}`,
      encryption: m.encryption ? `Assertion encrypted with ${m.encryption.toUpperCase()} + RSA-OAEP to the SP's certificate` : 'none',
      faults: user.faults,
      nextFaults: user.nextFaults,
      serviceAccount: readServiceAccount(m.attributes),
    };
  }

  function showConfirm(req: Request, res: Response, status: number, user: IdpUser, p: PendingLogin | null, error?: string) {
    html(
      res,
      status,
      confirmLoginPage({
        username: user.username,
        displayName: user.displayName,
        needsPassword: user.password !== null,
        requestRef: p?.ref ?? null,
        spEntityId: p?.spEntityId ?? null,
        csrf: csrf.token(req, res),
        preview: previewFor(user, (p && serviceProviders.get(p.spEntityId)) ?? null),
        now: clock.now(),
        error,
      }),
    );
  }

  /** Shared by both SSO bindings and IdP-initiated: answer at once with a live session, else ask for a login. */
  async function continueAuthnRequest(req: Request, res: Response, sp: IdpServiceProvider, requestId: string | null, relayState: string | null, o: { forceAuthn: boolean; isPassive: boolean }) {
    const auth = authenticationOf(currentSession(req));
    // ForceAuthn: the IdP must authenticate afresh, never reuse its session (SAML core 3.4.1).
    if (auth && !o.forceAuthn) return answer(res, auth, sp, requestId, relayState);
    // IsPassive: the IdP must not take visible control of the browser (core 3.4.1, 3.2.2.2 NoPassive).
    if (o.isPassive) return answerNoPassive(res, sp, requestId, relayState, o.forceAuthn ? 'ForceAuthn and IsPassive together cannot be satisfied' : 'nobody is signed in to the IdP');
    // The browser carries the pending login: an anonymous /sso stores nothing in the IdP.
    showPicker(req, res, 200, await pending.open(req, res, { spEntityId: sp.entityId, requestId, acsUrl: sp.acsUrl, relayState }));
  }

  const isTrue = (root: Element, name: string) => root.getAttribute(name) === 'true' || root.getAttribute(name) === '1';

  // SP signing policy: AuthnRequestsSigned in metadata (or a signing cert in config) makes
  // unsigned and mis-signed requests fail (metadata 2.4.4).
  const authnSignatureRequired = (sp: { authnRequestsSigned: boolean }) => sp.authnRequestsSigned;
  // SLO: an SP that has a signing key must sign its LogoutRequests (SP-SECURITY SLO1).
  const logoutSignatureRequired = (sp: { signingCertificate: unknown }) => sp.signingCertificate !== null;
  const registered = (entityId: string) => serviceProviders.get(entityId)!;

  /** A POSTed form must carry this browser's CSRF token (and no foreign Origin). */
  function csrfRefused(req: Request, res: Response): boolean {
    const failure = csrf.check(req, req.body?.csrf);
    if (!failure) return false;
    logger.warn({ event: 'idp.csrf.refused', path: req.path, failure }, 'form refused: CSRF check failed');
    html(
      res,
      403,
      errorPage(
        'Form refused',
        csrfFailureReason(failure, req.get('origin')),
        failure === 'duplicate-cookie'
          ? 'Clear this browser\'s cookies for the IdP\'s host, then reload the <a href="/login">login page</a> (or the page you came from) and submit the form there; for a login, start again at the service provider.'
          : 'Reload the <a href="/login">login page</a> (or the page you came from) and submit the form from there; for a login, start again at the service provider.',
      ),
    );
    return true;
  }

  app.get('/', (req, res) => {
    const s = currentSession(req);
    if (s) return html(res, 200, signedInPage(s.username));
    res.redirect(303, '/login');
  });

  app.get('/metadata', (_req, res) => {
    res.status(200).type('application/samlmetadata+xml').send(metadataXml);
  });

  app.get('/sso', async (req, res) => {
    const m = receiveRedirect(rawQueryOf(req), 'SAMLRequest', 'AuthnRequest', lookupSp, authnSignatureRequired);
    const info = readAuthnRequest(m);
    await continueAuthnRequest(req, res, registered(m.sp.entityId), info.id, m.relayState, { forceAuthn: info.forceAuthn, isPassive: isTrue(m.root, 'IsPassive') });
  });

  app.post('/sso', express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 20 }), async (req, res) => {
    const m = receivePost(req.body?.SAMLRequest, req.body?.RelayState, 'AuthnRequest', lookupSp, authnSignatureRequired);
    const info = readAuthnRequest(m);
    await continueAuthnRequest(req, res, registered(m.sp.entityId), info.id, m.relayState, { forceAuthn: info.forceAuthn, isPassive: isTrue(m.root, 'IsPassive') });
  });

  app.get('/sso/initiate', async (req, res) => {
    const spId = field(req.query, 'sp');
    if (!spId) return html(res, 400, errorPage('Cannot start the login', 'The link has no ?sp=ENTITYID.', 'Add the entity ID of a registered service provider (see GET /api/service-providers), e.g. /sso/initiate?sp=http://localhost:8080/users/saml/metadata.'));
    const sp = serviceProviders.get(spId);
    if (!sp) return html(res, 400, errorPage('Cannot start the login', `${spId} is not a registered service provider.`, 'Register its metadata with POST /api/service-providers (or idp.serviceProviders in the config), or fix the sp parameter.'));
    const relayState = field(req.query, 'RelayState') ?? null;
    const username = field(req.query, 'user');
    if (username !== undefined) {
      // A password-less login for anyone in the directory: admin-only when a token is set.
      if (!admin.allows(req)) {
        res.set('WWW-Authenticate', 'Bearer realm="samlgate-idp"');
        return html(res, 401, errorPage('Admin token required', 'This IdP runs with --idp-admin-token, and /sso/initiate?user= logs in without a password.', 'Send Authorization: Bearer &lt;idp admin token&gt;, or sign in once at <a href="/admin">/admin</a> in this browser; or drop ?user= to get the login page.'));
      }
      const user = directory.get(username);
      if (!user) return html(res, 400, errorPage('Cannot start the login', `There is no user ${username} in the test IdP.`, 'Pick one from GET /api/users or the <a href="/directory">directory</a>.'));
      // A scripted, unsolicited login: no IdP session is created (SAML profiles 4.1.5).
      return answer(res, { user, authnInstant: clock.now(), sessionIndex: ids.samlId(), session: null }, sp, null, relayState);
    }
    await continueAuthnRequest(req, res, sp, null, relayState, { forceAuthn: false, isPassive: false });
  });

  /** The pending login a form or link names (null: none named); undefined once the "expired" page is sent. */
  async function pendingFor(req: Request, res: Response, ref: string | undefined): Promise<PendingLogin | null | undefined> {
    if (!ref) return null;
    const found = await pending.read(req, ref);
    if (found.ok) return found.pending;
    html(res, 400, errorPage('Login request expired', NO_PENDING_LOGIN[found.reason], 'Start the login again at the service provider.'));
    return undefined;
  }

  app.get('/login', async (req, res) => {
    const p = await pendingFor(req, res, field(req.query, 'request'));
    if (p === undefined) return;
    // "Not you? Switch user": forget the IdP session, then pick someone else.
    if (field(req.query, 'switch') === '1') {
      const ended = endSession(req, res);
      if (ended) logger.info({ event: 'idp.logout', username: ended.username, reason: 'switch-user' }, 'IdP session ended to switch user');
      // The browser holds no IdP session after this response: the form's token must say so.
      return html(res, 200, loginPage({ users: directoryEntries(), requestRef: p?.ref ?? null, spEntityId: p?.spEntityId ?? null, csrf: csrf.token(req, res, { session: null }), signedInAs: null }));
    }
    const username = field(req.query, 'user');
    if (username !== undefined) {
      const user = directory.get(username);
      if (!user) return showPicker(req, res, 404, p, { error: `There is no user ${username} in the directory: pick one below.` });
      return showConfirm(req, res, 200, user, p);
    }
    const s = currentSession(req);
    if (!p && s) return html(res, 200, signedInPage(s.username));
    showPicker(req, res, 200, p);
  });

  app.post('/login', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), async (req, res) => {
    if (csrfRefused(req, res)) return;
    const username = field(req.body, 'username') ?? '';
    const password = field(req.body, 'password') ?? '';
    const fault = field(req.body, 'fault') ?? '';
    const p = await pendingFor(req, res, field(req.body, 'request'));
    if (p === undefined) return;
    // The cookie names the SP and its ACS as they were when the request came in (bindings 3.5.5.2).
    const sp = p ? serviceProviders.get(p.spEntityId) : undefined;
    if (p && (!sp || sp.acsUrl !== p.acsUrl)) {
      const why = sp ? `${p.spEntityId} is now registered with ACS ${sp.acsUrl}, not ${p.acsUrl} as when this login started` : `${p.spEntityId} is no longer a registered service provider`;
      return html(res, 409, errorPage('Cannot send the response', `${why}.`, 'Start the login again at the service provider.'));
    }
    if (fault !== '' && !(FAULT_NAMES as readonly string[]).includes(fault)) return html(res, 400, errorPage('Unknown fault', `${fault} is not a fault the IdP knows.`, 'Go back and pick one from the list (docs/idp.md lists them all).'));
    const user = directory.authenticate(username, password);
    if (!user) {
      // Never log the typed username unless it names a user: people type passwords into it.
      const known = directory.get(username) !== undefined;
      logger.info({ event: 'idp.login.failed', knownUser: known, ...(known ? { username } : {}) }, 'IdP login failed');
      return showPicker(req, res, 401, p, { error: 'Unknown user or wrong password.', username: known ? username : '' });
    }
    const session = startSession(req, res, user);
    logger.info({ event: 'idp.login', username: user.username, fault: fault || undefined }, 'IdP login');
    if (!p || !sp) return html(res, 200, signedInPage(user.username));
    pending.close(res, p.ref);
    answer(res, { user, authnInstant: session.authnInstant, sessionIndex: session.sessionIndex, session }, sp, p.requestId, p.relayState, fault ? [fault as FaultName] : []);
  });

  // ---------------------------------------------------------------------------------------------
  // Single logout (SAML profiles 4.4).

  /** Sends the next LogoutRequest of the run, or finishes it. */
  function continueLogout(res: Response, run: LogoutRun) {
    while (run.queue.length) {
      const participant = run.queue.shift()!;
      const sp = serviceProviders.get(participant.entityId);
      if (!sp) {
        run.results.push({ entityId: participant.entityId, ok: false, detail: 'no longer registered: its session was not ended' });
        continue;
      }
      if (!sp.sloUrl) {
        run.results.push({ entityId: sp.entityId, ok: false, detail: 'has no SingleLogoutService in its metadata: its session was not ended' });
        continue;
      }
      const id = ids.samlId();
      const now = clock.now();
      const xml = logoutRequestForSp({ id, now, issuer: idpConfig.entityId, sp, participant, sessionIndex: run.sessionIndex });
      runs.await(run, sp.entityId, id);
      const out = toSp(sp, 'SAMLRequest', xml, run.id, credentials);
      ring.add({ id, at: now, kind: 'logout-request', sp: sp.entityId, username: run.username, inResponseTo: null, faults: [], encryption: null, xml: out.kind === 'post' ? Buffer.from(out.value, 'base64').toString('utf8') : xml, plaintextAssertion: null });
      logger.info({ event: 'idp.slo.request', sp: sp.entityId, username: run.username, requestId: id }, 'sending LogoutRequest');
      return send(res, out, `Signing you out of ${sp.entityId}…`);
    }
    if (run.initiator) {
      const { sp, requestId, relayState } = run.initiator;
      if (!sp.sloUrl) return html(res, 200, signedOutPage(run.results));
      const xml = logoutResponseForSp({ id: ids.samlId(), now: clock.now(), issuer: idpConfig.entityId, sp, inResponseTo: requestId });
      return send(res, toSp(sp, 'SAMLResponse', xml, relayState, credentials), `Signed out; returning to ${sp.entityId}…`);
    }
    html(res, 200, signedOutPage(run.results));
  }

  function startLogout(req: Request, res: Response, initiator: { sp: IdpServiceProvider; requestId: string; relayState: string | null } | null) {
    const session = endSession(req, res);
    logger.info({ event: 'idp.slo', username: session?.username ?? null, initiator: initiator?.sp.entityId ?? null, participants: session ? [...session.participants.keys()] : [] }, 'SAML single logout');
    const run = runs.start({ username: session?.username ?? '', sessionIndex: session?.sessionIndex ?? '', participants: session ? [...session.participants.values()] : [], initiator });
    continueLogout(res, run);
  }

  function onLogoutResponse(res: Response, r: ReturnType<typeof readLogoutResponse>) {
    const run = runs.resume(r.inResponseTo);
    if (!run || run.current?.entityId !== r.issuer) {
      return html(res, 400, errorPage('Unexpected LogoutResponse', `${r.issuer} answered a LogoutRequest (${r.inResponseTo}) the IdP is not waiting for: it was answered already, or the logout took longer than 10 minutes.`, 'You are signed out of the IdP; sign out at the service provider itself if its session is still open.'));
    }
    run.results.push({ entityId: r.issuer, ok: isSuccess(r.status), detail: isSuccess(r.status) ? 'signed out' : `answered ${r.status}` });
    logger.info({ event: 'idp.slo.response', sp: r.issuer, status: r.status }, 'LogoutResponse received');
    continueLogout(res, run);
  }

  app.get('/slo', (req, res) => {
    const rawQuery = rawQueryOf(req);
    if (/(^|&)SAMLResponse=/.test(rawQuery)) return onLogoutResponse(res, readLogoutResponse({ binding: 'redirect', rawQuery }, lookupSp));
    if (!/(^|&)SAMLRequest=/.test(rawQuery)) return startLogout(req, res, null);
    const m = receiveRedirect(rawQuery, 'SAMLRequest', 'LogoutRequest', lookupSp, logoutSignatureRequired);
    const info = readLogoutRequest(m);
    startLogout(req, res, { sp: registered(m.sp.entityId), requestId: info.id, relayState: m.relayState });
  });

  app.post('/slo', express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 20 }), (req, res) => {
    if (req.body?.SAMLResponse !== undefined) return onLogoutResponse(res, readLogoutResponse({ binding: 'post', samlResponse: req.body.SAMLResponse, relayState: req.body.RelayState }, lookupSp));
    const m = receivePost(req.body?.SAMLRequest, req.body?.RelayState, 'LogoutRequest', lookupSp, logoutSignatureRequired);
    const info = readLogoutRequest(m);
    startLogout(req, res, { sp: registered(m.sp.entityId), requestId: info.id, relayState: m.relayState });
  });

  // The dev clock on the IdP's own origin, same path as on the gateway (one clock under `samlgate start`).
  const simClock = simClockHandlers(clock);
  if (simClock) {
    app.get(SIM_CLOCK_PATH, simClock.get);
    app.post(SIM_CLOCK_PATH, express.json({ type: ['application/json', 'application/vnd.api+json'], limit: '4kb' }), simClock.post);
  }


  app.use(adminPages({ directory, serviceProviders, ring, admin, csrf, clock, logger, signingCertificates, csrfRefused }));
  app.use('/api', adminApi({ directory, serviceProviders, ring, admin, logger }));

  app.use(notFound);
  app.use(idpErrorHandler(logger));

  return {
    app,
    metadataXml,
    directory,
    serviceProviders,
    sessions,
    ready,
    close: async () => {},
  };
}
