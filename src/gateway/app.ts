/**
 * The SSO session gateway: a SAML SP plus a TFE-shaped /api/v2, in one express app.
 * createGateway() wires the context; each concern lives in its own module.
 */
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import { StoreConflictError, StoreUnavailableError } from '../store/types.ts';
import { securityHeaderSetter } from '../http/security-headers.ts';
import { requestPrelude } from '../http/request-prelude.ts';
import { RouteTable } from '../http/route-table.ts';
import { KeyedMutex } from '../util/keyed-mutex.ts';
import { RunScheduler } from '../tfe/run-scheduler.ts';
import { accessLog } from '../http/access-log.ts';
import { allowedHostnames, hostGuard } from '../http/host-check.ts';
import { addAccountRoutes } from '../api/account.ts';
import { addResourceApiRoutes } from '../api/resource-routes.ts';
import { addWorkspaceApiRoutes, archivistRouter } from '../api/workspace-routes.ts';
import { v1StateRouter } from '../api/v1-state.ts';
import { CAPABILITY_PATH, CapabilityUrls, redactCapability } from './capability-urls.ts';
import { addAdminUserRoutes } from '../api/admin-users.ts';
import { ApiInputError, jsonApiBodyParser, sendError, sendErrors } from '../api/jsonapi.ts';
import { addSimClockRoutes } from '../api/sim-clock.ts';
import { addMotdRoute, MOTD_PATH } from '../api/motd.ts';
import { addUserTokenRoutes } from '../api/user-tokens.ts';
import { requireApiPrincipal } from './auth.ts';
import { RejectionLog, type GatewayContext, type GatewayDeps } from './context.ts';
import { LoginAttemptLog, samlDebugEnabled } from '../sp/login-attempts.ts';
import { PendingLoginCookie } from '../sp/pending-login-cookie.ts';
import { browserSessionCookie, GatewaySessionStore } from './session-store.ts';
import { isAnonymousLoginStart, loginStart, spRoutes } from '../sp/sp-routes.ts';
import { webSessionMiddleware } from './web-session-middleware.ts';
import { SESSION_COOKIE } from './web-session.ts';
import { webRoutes } from '../pages/web-routes.ts';
import { LOGIN_V1, terraformAuthorizeRoutes, terraformTokenEndpoint } from './terraform-login.ts';
import { AuthorizationCodes } from './terraform-login-codes.ts';
import { certificateFromPem } from '../saml/keys.ts';
import { ensureEmbeddedOrganization } from '../tfe/organizations.ts';
import { defaultSamlSettings, SamlSettingsService } from '../tfe/saml-settings.ts';
import { addOrganizationRoutes } from '../api/organizations.ts';
import { addTeamRoutes } from '../api/teams.ts';
import { addTeamMemberRoutes } from '../api/team-members.ts';
import { addOrganizationMembershipRoutes } from '../api/organization-memberships.ts';
import { addTeamTokenRoutes } from '../api/team-tokens.ts';
import { addOrganizationTokenRoutes } from '../api/organization-tokens.ts';
import { addAdminSamlSettingsRoutes } from '../api/admin-saml-settings.ts';
import { addAdminOrganizationRoutes } from '../api/admin-organizations.ts';
import { httpErrorOf, isHttpMappedError, sendApiError } from '../api/tfe-errors.ts';
import { RateLimiter } from './rate-limit.ts';
import { mintTokenSecret } from '../tfe/token-secrets.ts';
import { orgWebRoutes } from '../pages/org-web-routes.ts';
import { Timeline } from './timeline.ts';
import { assetRoutes } from '../http/assets.ts';


export interface GatewayOptions extends GatewayDeps {
  /** express-session secret, also the pending-login cookie's key material; a random one per process when omitted. */
  sessionSecret?: string;
  /**
   * Monotonic real time in ms (default performance.now()), for limits that must pass even when
   * the dev clock stands still: the rate-limit window.
   */
  monotonicNow?: () => number;
  /** Real milliseconds between simulated run steps (default 100); null: runs advance only on runScheduler.tick(). */
  runStepMs?: number | null;
}

export interface Gateway {
  app: express.Express;
  context: GatewayContext;
  /** Stops background work (the run scheduler); the HTTP server is the caller's to close. */
  close(): void;
}

export function createGateway(o: GatewayOptions): Gateway {
  const gw = o.config.gateway;
  const sessionSecret = o.sessionSecret ?? o.ids.random(48);
  const secureCookies = gw.baseUrl.startsWith('https:');
  const ctx: GatewayContext = {
    config: o.config,
    clock: o.clock,
    ids: o.ids,
    store: o.store,
    logger: o.logger,
    idp: o.idp,
    sp: o.sp,
    policy: { idleTimeoutMs: gw.idleTimeout, sessionExpirationMs: gw.sessionExpiration },
    userLocks: new KeyedMutex(),
    loginUrl: `${gw.baseUrl}/session`,
    pendingLogins: new PendingLoginCookie({ secret: sessionSecret, secure: secureCookies }),
    rejections: new RejectionLog(),
    loginAttempts: new LoginAttemptLog(),
    capabilities: new CapabilityUrls(Buffer.from(o.ids.random(48)), gw.baseUrl, o.clock),
    runScheduler: new RunScheduler({ store: o.store, clock: o.clock, logger: o.logger, stepMs: o.runStepMs === undefined ? 100 : o.runStepMs }),
    tfe: {
      store: o.store,
      clock: o.clock,
      ids: o.ids,
      mintSecret: () => mintTokenSecret(o.ids),
    },
    samlSettings: new SamlSettingsService(o.store.settings, defaultSamlSettings({
      apiTokenTimeoutMs: gw.apiTokenTimeout,
      idpCert: o.idp.signingCertificates[0]?.pem ?? null,
      ssoUrl: o.idp.ssoRedirectUrl,
      sloUrl: o.idp.sloUrl,
      spCert: o.sp.certificate.pem,
      debug: samlDebugEnabled(o.config),
    })),
    rateLimiter: gw.rateLimit ? new RateLimiter(o.monotonicNow) : null,
    timeline: new Timeline(),
  };
  // The trusted IdP is the configured one with the admin's saved IdP settings on top, decided by
  // one function at start-up (load) and on every change alike (TFE applies saved settings live).
  const configuredTrust = { signingCertificates: ctx.idp.signingCertificates, ssoRedirectUrl: ctx.idp.ssoRedirectUrl };
  ctx.samlSettings.onChange((s) => {
    // A certificate saved by an admin replaces the configured ones (several metadata certificates stay otherwise).
    ctx.idp.signingCertificates = s['idp-cert'] && s['idp-cert'] !== configuredTrust.signingCertificates[0]?.pem ? [certificateFromPem(s['idp-cert'])] : configuredTrust.signingCertificates;
    ctx.idp.ssoRedirectUrl = s['sso-endpoint-url'] ?? configuredTrust.ssoRedirectUrl;
    ctx.idp.sloUrl = s['slo-endpoint-url'];
  });
  // Start-up work on the store: saved SAML settings, and the embedded organization (idempotent).
  let ready = false;
  const bootstrap = (async () => {
    await ctx.samlSettings.load();
    await ensureEmbeddedOrganization(ctx.tfe, {
      name: gw.organization,
      sessionTimeoutMinutes: Math.max(1, Math.round(gw.idleTimeout / 60_000)),
      sessionRememberMinutes: Math.max(1, Math.round(gw.sessionExpiration / 60_000)),
    });
    ready = true;
  })();
  bootstrap.catch((err) => o.logger.error({ err }, 'gateway start-up failed'));
  ctx.runScheduler.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Behind a TLS-terminating proxy (public https URL, plain HTTP here) req.secure must come from
  // X-Forwarded-Proto, or express-session withholds the Secure cookie and no login completes.
  app.set('trust proxy', o.config.trustProxy.gateway);
  const requestLog = accessLog(o.logger);
  if (requestLog) app.use(requestLog);
  // Host check, security headers, assets and the start-up gate as one layer (src/http/request-prelude.ts);
  // requests wait for start-up once, afterwards the gate is one boolean test.
  app.use(requestPrelude({
    host: hostGuard({ allowed: allowedHostnames({ publicUrls: [gw.baseUrl], listenHost: o.config.host, extra: o.config.allowedHosts }), what: 'gateway', publicUrlFlag: '--gateway-public-url' }),
    headers: securityHeaderSetter(),
    assets: assetRoutes(),
    ready: () => ready,
    started: bootstrap,
  }));

  const cookie = browserSessionCookie(secureCookies);
  const sessionMiddleware = session({
    name: SESSION_COOKIE,
    secret: sessionSecret,
    store: new GatewaySessionStore(o.store, o.clock, ctx.policy, cookie),
    resave: false,
    saveUninitialized: false,
    unset: 'destroy',
    // No maxAge: the cookie lives for the browser session; S1's limits are enforced server-side
    // on the injected clock (express-session's own expiry reads the real time).
    cookie,
  });
  // API calls with a token are not web activity (S1) and skip the session entirely.
  const loadLogin = webSessionMiddleware(ctx);
  // The /api/v2 prelude as one middleware (each express layer costs a walk per request, and this
  // is the token check's hot path): the JSON body (only when there is one), then, for browser
  // calls without a token, the session and its login. Token calls skip the session entirely.
  const jsonBody = jsonApiBodyParser();
  // The browser's session and the login it holds (req.webUser), for the API's browser calls and the pages.
  const withWebSession = (req: Request, res: Response, next: NextFunction) =>
    sessionMiddleware(req, res, (err?: unknown) => (err ? next(err) : loadLogin(req, res, next)));
  const apiPrelude = function apiPrelude(req: Request, res: Response, next: NextFunction) {
    if (req.headers.authorization !== undefined) return jsonBody(req, res, next);
    jsonBody(req, res, (err?: unknown) => (err ? next(err) : withWebSession(req, res, next)));
  };
  // Pages, /session, /logout and the ACS always have a session: an Authorization header there
  // (a proxy's, a curious client's) is not an API token (regression: it made req.session
  // undefined and every one of those routes a 500). The exception is a GET /session with no
  // session cookie, the anonymous login start: it needs none (isAnonymousLoginStart, sp-routes.ts).
  const browserSession = function browserSession(req: Request, res: Response, next: NextFunction) {
    if (isAnonymousLoginStart(req)) return next();
    withWebSession(req, res, next);
  };

  // /api/v2 right after the prelude: nothing mounted below answers under /api/v2, so its requests
  // skip those layers; its own prelude (body, session for browser calls) is the router's first layer.
  // express's routing rules in one table (src/http/route-table.ts): no second Router, no mount walk.
  const table = new RouteTable();
  const api = table.routes;
  api.use(apiPrelude);
  api.get('/ping', (_req, res) => {
    res.status(204).end();
  });
  // One flat router: each nested Router costs a path trim and a layer walk per request.
  addSimClockRoutes(api, o.clock);
  api.use(requireApiPrincipal(ctx));
  addAccountRoutes(api, ctx);
  addUserTokenRoutes(api, ctx);
  addAdminUserRoutes(api, ctx);
  addAdminSamlSettingsRoutes(api, ctx);
  addAdminOrganizationRoutes(api, ctx);
  addOrganizationRoutes(api, ctx);
  addOrganizationTokenRoutes(api, ctx);
  addOrganizationMembershipRoutes(api, ctx);
  addTeamRoutes(api, ctx);
  addTeamMemberRoutes(api, ctx);
  addTeamTokenRoutes(api, ctx);
  addWorkspaceApiRoutes(api, ctx);
  addResourceApiRoutes(api, ctx);
  api.use((_req, res) => sendErrors(res, 404, [{ status: '404', title: 'not found' }]));
  app.use(table.mountAt('/api/v2'));
  // The login start next: nothing mounted below answers GET /session, and the anonymous one (any
  // web page can make a browser send it) then skips their layers (issue 15). Its session as on
  // the pages: loaded when a session cookie was sent (browserSession).
  app.get('/session', browserSession, loginStart(ctx));

  // Capability URLs (uploads, state downloads, logs) and the legacy v1 state API carry their own
  // credentials: no browser session, no /api/v2 principal.
  app.use(CAPABILITY_PATH, archivistRouter(ctx));
  app.use(v1StateRouter(ctx));

  app.get('/.well-known/terraform.json', (_req, res) => {
    res.json({ 'tfe.v2': '/api/v2/', 'tfe.v2.1': '/api/v2/', 'tfe.v2.2': '/api/v2/', 'motd.v1': MOTD_PATH, 'login.v1': LOGIN_V1 });
  });
  addMotdRoute(app, { loginUrl: ctx.loginUrl });
  const terraformCodes = new AuthorizationCodes(o.clock, o.ids);
  app.use(terraformTokenEndpoint(ctx, terraformCodes));

  app.use(browserSession);
  app.use(spRoutes(ctx));
  app.use(terraformAuthorizeRoutes(ctx, terraformCodes));
  app.use(webRoutes(ctx));
  app.use(orgWebRoutes(ctx));
  app.use((_req, res) => {
    res.status(404).type('text').send('Not found');
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const isApi = req.originalUrl.startsWith('/api/') || req.originalUrl.startsWith(CAPABILITY_PATH);
    if (err instanceof StoreUnavailableError) {
      // Disk full, I/O error, database locked: not the request's fault, and nothing was written
      // (each store step is one transaction). The process stays up; retrying later can succeed.
      o.logger.error({ code: err.cause_, url: redactCapability(req.originalUrl) }, `store unavailable: ${err.message}`);
      res.setHeader('Retry-After', '30');
    }
    // ApiInputError answers as JSON:API on every path (it is only thrown by JSON:API parsing); a
    // TfeError outside the API is a bug in a page, so it falls through to the 500 below.
    if (isHttpMappedError(err) && (isApi || err instanceof ApiInputError)) return sendApiError(res, err);
    if (err instanceof StoreUnavailableError) {
      return res.status(httpErrorOf(err).status).type('text').send(`The gateway could not save or read its state: ${err.message}. Nothing was changed; try again once the operator has fixed it.`);
    }
    if (err instanceof StoreConflictError) return res.status(httpErrorOf(err).status).type('text').send(err.message);
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) o.logger.error({ err, url: redactCapability(req.originalUrl) }, 'unhandled error');
    const detail =
      err?.type === 'entity.parse.failed' ? 'the request body is not valid JSON'
      : err?.type === 'entity.too.large' ? 'the request body is too large'
      : status === 500 ? 'internal error; see the gateway log'
      : String(err?.message ?? 'bad request');
    if (isApi) return sendError(res, status, status === 500 ? 'internal error' : 'bad request', detail);
    res.status(status).type('text').send(detail);
  };
  app.use(onError);

  return { app, context: ctx, close: () => ctx.runScheduler.stop() };
}
