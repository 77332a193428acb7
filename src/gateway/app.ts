/**
 * The SSO session gateway: a SAML SP plus a TFE-shaped /api/v2, in one express app.
 * createGateway() wires the context; each concern lives in its own module.
 */
import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { IdGenerator } from '../ids.ts';
import type { Logger } from '../log.ts';
import type { SigningCredentials } from '../saml/keys.ts';
import type { IdpTrust } from '../saml/trust.ts';
import type { Store } from '../store/types.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { KeyedMutex } from '../util/keyed-mutex.ts';
import { accessLog } from '../http/access-log.ts';
import { allowedHostnames, hostCheck } from '../http/host-check.ts';
import { addAccountRoutes } from './api/account.ts';
import { addAdminUserRoutes } from './api/admin-users.ts';
import { ApiInputError, jsonApiBodyParser, sendError, sendErrors } from './api/jsonapi.ts';
import { addSimClockRoutes } from './api/sim-clock.ts';
import { addMotdRoute, MOTD_PATH } from './api/motd.ts';
import { addUserTokenRoutes } from './api/user-tokens.ts';
import { requireApiPrincipal } from './auth.ts';
import { RejectionLog, type GatewayContext } from './context.ts';
import { LoginAttemptLog } from './login-attempts.ts';
import { GatewaySessionStore } from './session-store.ts';
import { spRoutes } from './sp-routes.ts';
import { webSessionMiddleware } from './web-session-middleware.ts';
import { SESSION_COOKIE } from './web-session.ts';
import { webRoutes } from './web-routes.ts';
import { LOGIN_V1, terraformAuthorizeRoutes, terraformTokenEndpoint } from './terraform-login.ts';
import { AuthorizationCodes } from './terraform-login-codes.ts';


export interface GatewayOptions {
  config: Config;
  clock: Clock;
  ids: IdGenerator;
  store: Store;
  logger: Logger;
  idp: IdpTrust;
  sp: SigningCredentials;
  /** express-session secret; a random one per process when omitted. */
  sessionSecret?: string;
}

export interface Gateway {
  app: express.Express;
  context: GatewayContext;
}

export function createGateway(o: GatewayOptions): Gateway {
  const gw = o.config.gateway;
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
    rejections: new RejectionLog(),
    loginAttempts: new LoginAttemptLog(),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Behind a TLS-terminating proxy (public https URL, plain HTTP here) req.secure must come from
  // X-Forwarded-Proto, or express-session withholds the Secure cookie and no login completes.
  app.set('trust proxy', o.config.trustProxy.gateway);
  const requestLog = accessLog(o.logger);
  if (requestLog) app.use(requestLog);
  app.use(hostCheck({ allowed: allowedHostnames({ publicUrls: [gw.baseUrl], listenHost: o.config.host, extra: o.config.allowedHosts }), what: 'gateway', publicUrlFlag: '--gateway-public-url' }));
  app.use(securityHeaders());

  const sessionMiddleware = session({
    name: SESSION_COOKIE,
    secret: o.sessionSecret ?? o.ids.random(48),
    store: new GatewaySessionStore(o.store, o.clock, ctx.policy),
    resave: false,
    saveUninitialized: false,
    unset: 'destroy',
    // No maxAge: the cookie lives for the browser session; S1's limits are enforced server-side
    // on the injected clock (express-session's own expiry reads the real time).
    cookie: { httpOnly: true, sameSite: 'lax', secure: gw.baseUrl.startsWith('https:'), path: '/' },
  });
  // API calls with a token are not web activity (S1) and skip the session entirely.
  const loadLogin = webSessionMiddleware(ctx);
  const browserSession = [
    (req: Request, res: Response, next: NextFunction) => (req.headers.authorization !== undefined ? next() : sessionMiddleware(req, res, next)),
    (req: Request, res: Response, next: NextFunction) => (req.headers.authorization !== undefined ? next() : loadLogin(req, res, next)),
  ];

  app.get('/.well-known/terraform.json', (_req, res) => {
    res.json({ 'tfe.v2': '/api/v2/', 'tfe.v2.1': '/api/v2/', 'tfe.v2.2': '/api/v2/', 'motd.v1': MOTD_PATH, 'login.v1': LOGIN_V1 });
  });
  addMotdRoute(app, { loginUrl: ctx.loginUrl });
  const terraformCodes = new AuthorizationCodes(o.clock, o.ids);
  app.use(terraformTokenEndpoint(ctx, terraformCodes));

  const api = Router();
  api.get('/ping', (_req, res) => {
    res.status(204).end();
  });
  // One flat router: each nested Router costs a path trim and a layer walk per request.
  addSimClockRoutes(api, o.clock);
  api.use(requireApiPrincipal(ctx));
  addAccountRoutes(api, ctx);
  addUserTokenRoutes(api, ctx);
  addAdminUserRoutes(api, ctx);
  api.use((_req, res) => sendErrors(res, 404, [{ status: '404', title: 'not found' }]));
  app.use('/api/v2', jsonApiBodyParser(), ...browserSession, api);

  app.use(...browserSession);
  app.use(spRoutes(ctx));
  app.use(terraformAuthorizeRoutes(ctx, terraformCodes));
  app.use(webRoutes(ctx));
  app.use((_req, res) => {
    res.status(404).type('text').send('Not found');
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const isApi = req.originalUrl.startsWith('/api/');
    if (err instanceof ApiInputError) return sendErrors(res, 422, err.errors);
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) o.logger.error({ err, url: req.originalUrl }, 'unhandled error');
    const detail =
      err?.type === 'entity.parse.failed' ? 'the request body is not valid JSON'
      : err?.type === 'entity.too.large' ? 'the request body is too large'
      : status === 500 ? 'internal error; see the gateway log'
      : String(err?.message ?? 'bad request');
    if (isApi) return sendError(res, status, status === 500 ? 'internal error' : 'bad request', detail);
    res.status(status).type('text').send(detail);
  };
  app.use(onError);

  return { app, context: ctx };
}
