/**
 * The test IdP (DESIGN 2, 2b): SP-initiated SSO over HTTP-Redirect and HTTP-POST, IdP-initiated
 * SSO, single logout in both directions, an HTML login page, admin pages and an admin JSON API.
 * createIdp only assembles: config -> directory -> service providers -> key material -> the
 * Express app with its middleware -> the route groups, each in its own module: metadata-routes.ts,
 * sso-routes.ts (/, /sso, /sso/initiate, /login; the steps in sso-steps.ts, the pages in
 * login-form.ts), slo-routes.ts, admin-routes.ts (admin-pages.ts and the JSON API in api.ts).
 * What the groups share is an IdpContext (context.ts).
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { assetRoutes } from '../http/assets.ts';
import type { IdGenerator } from '../ids.ts';
import type { Logger } from '../log.ts';
import { certificateFromPem, KeyError, loadSigningCredentials, type Certificate } from '../saml/keys.ts';
import { MetadataError } from '../saml/metadata.ts';
import { SamlRejection } from '../saml/rejection.ts';
import { accessLog } from '../http/access-log.ts';
import { allowedHostnames, hostCheck } from '../http/host-check.ts';
import { SIM_CLOCK_PATH, simClockHandlers } from '../http/sim-clock.ts';
import { stateKey } from '../http/signed-state.ts';
import { adminRoutes } from './admin-routes.ts';
import { AdminAuth } from './admin-auth.ts';
import type { IdpContext } from './context.ts';
import { allowedOrigins, CsrfGuard } from './csrf.ts';
import { directoryFromConfig, type UserDirectory } from './directory.ts';
import { ResponseRing } from './inspector.ts';
import { idpMetadata } from './metadata.ts';
import { metadataRoutes } from './metadata-routes.ts';
import { sendHtml } from './route-helpers.ts';
import { ServiceProviderRegistry, serviceProvidersFromConfig, spFromMetadata } from './service-providers.ts';
import { PendingLogins } from './pending-login.ts';
import { IDP_SESSION_COOKIE, IdpSessions } from './sessions.ts';
import { LogoutRuns } from './slo.ts';
import { sloRoutes } from './slo-routes.ts';
import { ssoRoutes } from './sso-routes.ts';
import { errorPage, SCRIPT_HASHES } from './views.ts';
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

function readCertificateFile(file: string, what: string): Certificate {
  if (!existsSync(file)) throw new KeyError(`${what}: ${file} does not exist`);
  return certificateFromPem(readFileSync(file, 'utf8'));
}

/** Key material: the signing credentials, the certificates published (next one during a rollover), the metadata. */
function keyMaterial(idpConfig: Config['idp']) {
  const credentials = loadSigningCredentials(idpConfig.signingKey, idpConfig.signingCert);
  const signingCertificates = [credentials.certificate, ...(idpConfig.nextSigningCert ? [readCertificateFile(idpConfig.nextSigningCert, 'idp.nextSigningCert')] : [])];
  const metadataXml = idpMetadata({ entityId: idpConfig.entityId, ssoUrl: `${idpConfig.baseUrl}/sso`, sloUrl: `${idpConfig.baseUrl}/slo`, signingCertificates });
  return { credentials, signingCertificates, metadataXml };
}

/** The Express app with the IdP's transport middleware (log, Host, headers, assets). */
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

/** The dev clock on the IdP's own origin, same path as on the gateway (one clock under `samlgate start`). */
function mountDevClock(app: Express, clock: Clock) {
  const simClock = simClockHandlers(clock);
  if (!simClock) return;
  app.get(SIM_CLOCK_PATH, simClock.get);
  app.post(SIM_CLOCK_PATH, express.json({ type: ['application/json', 'application/vnd.api+json'], limit: '4kb' }), simClock.post);
}

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

/**
 * `secret` keys the IdP's CSRF tokens and pending-login cookies (DIR/idp-secret, so both survive
 * a restart); without one (`--data :memory:`, tests) a fresh one per process.
 */
export function createIdp(o: { config: Config; clock: Clock; ids: IdGenerator; logger: Logger; secret?: string }): Idp {
  const { config, clock, ids } = o;
  const idpConfig = config.idp;
  const logger = o.logger.child({ component: 'idp' });
  // Key material first: a missing key or certificate fails the start before anything else is built.
  const { credentials, signingCertificates, metadataXml } = keyMaterial(idpConfig);
  const directory = directoryFromConfig(idpConfig);
  // Service providers (the ones behind metadata URLs arrive later: `ready`).
  const configured = serviceProvidersFromConfig(config);
  const serviceProviders = new ServiceProviderRegistry({ assertionLifetime: idpConfig.assertionLifetime, sessionNotOnOrAfter: idpConfig.sessionNotOnOrAfter }, configured.ready);
  // CSRF tokens and pending-login cookies are keyed by the secret, so both survive a restart with DIR/idp-secret.
  const secureCookie = idpConfig.baseUrl.startsWith('https:');
  const secret = o.secret ?? ids.random(48);
  const ctx: IdpContext = {
    config,
    idpConfig,
    clock,
    ids,
    logger,
    directory,
    serviceProviders,
    credentials,
    signingCertificates,
    metadataXml,
    sessions: new IdpSessions(clock, ids, idpConfig.sessionDuration),
    runs: new LogoutRuns(clock, ids),
    ring: new ResponseRing(),
    pending: new PendingLogins(stateKey(secret, 'samlgate-idp pending-login'), clock, secureCookie),
    csrf: new CsrfGuard(stateKey(secret, 'samlgate-idp csrf'), ids, { secureCookie, allowedOrigins: allowedOrigins(idpConfig.baseUrl), sessionCookie: IDP_SESSION_COOKIE }),
    admin: new AdminAuth(idpConfig.adminToken, ids, secureCookie),
    secureCookie,
  };
  const ready = registerRemoteServiceProviders(configured.remote, serviceProviders, logger);

  // The Express app, its middleware, then the route groups. Their paths are disjoint, so what
  // matters is that all come after the transport middleware and before the 404 and the error page.
  const app = idpExpressApp(config, logger);
  app.use(metadataRoutes(metadataXml));
  app.use(ssoRoutes(ctx));
  app.use(sloRoutes(ctx));
  mountDevClock(app, clock);
  app.use(adminRoutes(ctx));
  app.use(notFound);
  app.use(idpErrorHandler(logger));

  return { app, metadataXml, directory, serviceProviders, sessions: ctx.sessions, ready, close: async () => {} };
}
