/**
 * Process wiring shared by `samlgate start|idp|gateway` and the demo: builds the clock, store,
 * keys and both apps from one Config, listens, and closes cleanly.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ManualClock, SystemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { randomIds, type IdGenerator } from './ids.ts';
import type { Logger } from './log.ts';
import { createGateway, type Gateway } from './gateway/app.ts';
import { createIdp, type Idp } from './idp/app.ts';
import { certificateFromPem, loadSigningCredentials } from './saml/keys.ts';
import { MetadataError, parseIdpMetadata } from './saml/metadata.ts';
import type { IdpTrust } from './saml/trust.ts';
import { attachIdpStore } from './idp/persistence.ts';
import { loadIdpSecret, loadSessionSecret } from './store/data-dir.ts';
import { createMemoryIdpStore } from './store/idp-memory.ts';
import type { IdpStore } from './store/idp-types.ts';
import { createSqliteIdpStore } from './store/sqlite/idp.ts';
import { createMemoryStore } from './store/memory.ts';
import { dataDirOf, openLocked } from './store/open.ts';
import { createSqliteStore } from './store/sqlite/index.ts';
import type { SettingsStore, Store } from './store/types.ts';
import { loadTlsCredentials, type TlsCredentials } from './tls.ts';
import { capConnections } from './http/connection-cap.ts';
import { SamlgateError } from './errors.ts';

export class StartupError extends SamlgateError {
  readonly code = 'ERR_STARTUP';
  readonly kind = 'runtime';
}

/** The built-in IdP as the gateway sees it, derived from config (no network round trip at start). */
export async function builtInIdpTrust(config: Config): Promise<IdpTrust> {
  const pem = await readFile(config.idp.signingCert, 'utf8').catch((err) => {
    throw new StartupError(`cannot read the IdP certificate ${config.idp.signingCert}: ${err.code ?? err.message}`);
  });
  return {
    entityId: config.idp.entityId,
    ssoRedirectUrl: `${config.idp.baseUrl}/sso`,
    ssoPostUrl: `${config.idp.baseUrl}/sso`,
    sloUrl: `${config.idp.baseUrl}/slo`,
    signingCertificates: [certificateFromPem(pem)],
  };
}

/** `--idp-metadata FILE|URL`: trust that IdP instead of the built-in one. Validated at start (META1). */
export async function loadIdpTrust(source: string): Promise<IdpTrust> {
  let xml: string;
  if (/^https?:\/\//i.test(source)) {
    const res = await fetch(source, { signal: AbortSignal.timeout(10_000) }).catch((err) => {
      throw new StartupError(`cannot fetch IdP metadata from ${source}: ${err.cause?.code ?? err.message}`);
    });
    if (!res.ok) throw new StartupError(`cannot fetch IdP metadata from ${source}: HTTP ${res.status}`);
    xml = await res.text();
  } else {
    xml = await readFile(source, 'utf8').catch((err) => {
      throw new StartupError(`cannot read IdP metadata file ${source}: ${err.code ?? err.message}`);
    });
  }
  try {
    return parseIdpMetadata(xml);
  } catch (err) {
    if (err instanceof MetadataError) throw new StartupError(`IdP metadata ${source}: ${err.message}`);
    throw new StartupError(`IdP metadata ${source} is not usable: ${(err as Error).message}`);
  }
}

export interface Services {
  clock: Clock;
  /** The gateway's store (a throwaway memory store when only the IdP runs). */
  store: Store;
  /** The data directory, or null with `--data :memory:`. */
  dataDir: string | null;
  idp?: Idp & { url: string; server: http.Server };
  gateway?: Gateway & { url: string; server: http.Server };
  /** Set when both halves serve HTTPS; caFile is the dev CA to trust (null with --tls-cert). */
  tls: { caFile: string | null } | null;
  close(): Promise<void>;
}

function listen(server: http.Server, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new StartupError(`${what} cannot listen on ${host}:${port}: the port is in use (pick another with --${what === 'IdP' ? 'idp' : 'gateway'}-port)`));
      else reject(new StartupError(`${what} cannot listen on ${host}:${port}: ${err.message}`));
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Limits on every connection (DESIGN 5, reliability): a client that trickles its headers or body
 * is cut off instead of holding a socket for Node's 300 s default, and the number of sockets is
 * capped so a flood cannot exhaust file descriptors, without idle sockets locking real clients
 * out (src/http/connection-cap.ts).
 */
export interface HttpLimits {
  /** Also the TLS handshake's limit: a socket that sends no request never holds a slot longer. */
  headersTimeoutMs: number;
  /** The whole request, body included. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /**
   * Most sockets one remote address may hold; null: half of maxConnections. Behind a trusted
   * proxy every socket comes from the proxy, so there startServices lifts it to maxConnections.
   */
  maxConnectionsPerAddress: number | null;
  /**
   * A socket that has sent nothing may be closed to make room only after this long (capped at
   * headersTimeoutMs): a real client's first bytes may still be on their way.
   */
  silentGraceMs: number;
  /** SIGTERM/SIGINT: how long in-flight requests may take to finish before they are cut. */
  shutdownGraceMs: number;
}

export const HTTP_LIMITS: HttpLimits = { headersTimeoutMs: 15_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 2_000, maxConnectionsPerAddress: null, silentGraceMs: 1_000, shutdownGraceMs: 10_000 };

/** Plain HTTP, or HTTPS with the configured certificate (--tls: both halves on their usual ports); the same limits either way. */
export function createHttpServer(app: http.RequestListener, limits: HttpLimits, tls: TlsCredentials | null = null): http.Server {
  const create = (tls ? (options: http.ServerOptions) => https.createServer({ ...options, key: tls.key, cert: tls.cert, handshakeTimeout: limits.headersTimeoutMs }) : http.createServer) as (options: http.ServerOptions) => http.Server;
  const server = create(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often node checks the two timeouts above (default 30 s: far too coarse for them).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
  );
  // Not server.maxConnections: node would refuse new clients while idle sockets hold every slot.
  const track = capConnections(server, { maxConnections: limits.maxConnections, maxPerAddress: limits.maxConnectionsPerAddress ?? Math.max(1, Math.floor(limits.maxConnections / 2)), silentGraceMs: Math.min(limits.silentGraceMs, limits.headersTimeoutMs) });
  // One request listener: the cap's bookkeeping, then the app.
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    track(req, res);
    app(req, res);
  });
  return server;
}

/** Behind a trusted proxy one address (the proxy's) carries every client: no per-address share. */
function behindProxy(limits: HttpLimits, trustProxy: boolean | string): HttpLimits {
  return trustProxy === false || limits.maxConnectionsPerAddress !== null ? limits : { ...limits, maxConnectionsPerAddress: limits.maxConnections };
}

/**
 * Graceful close: stop accepting, let in-flight requests finish (their connections close after
 * the response), close idle keep-alive sockets at once, and cut whatever is left after `graceMs`.
 */
export function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** The manual clock's offset from real time, persisted on every move (a restarted demo keeps its time). */
const CLOCK_OFFSET_KEY = 'clock-offset';

async function manualClockFor(settings: SettingsStore, logger: Logger): Promise<ManualClock> {
  const saved = await settings.get<{ offsetMs?: unknown }>(CLOCK_OFFSET_KEY);
  const offset = typeof saved?.offsetMs === 'number' && Number.isFinite(saved.offsetMs) ? saved.offsetMs : 0;
  // settings.set runs its write synchronously on SQLite, so the move is on disk before the
  // POST /_sim/clock that made it answers.
  return new ManualClock(Date.now() + offset, (now) => {
    settings.set(CLOCK_OFFSET_KEY, { offsetMs: now - Date.now() }).catch((err) => logger.warn({ err }, 'could not persist the manual clock'));
  });
}

export async function startServices(
  config: Config,
  which: { idp: boolean; gateway: boolean },
  o: { logger: Logger; ids?: IdGenerator; clock?: Clock; limits?: Partial<HttpLimits> },
): Promise<Services> {
  const limits = { ...HTTP_LIMITS, ...o.limits };
  const ids = o.ids ?? randomIds;
  const tls = await loadTlsCredentials(config);
  const dataDir = dataDirOf(config.data);
  const store: Store = which.gateway && dataDir !== null ? openLocked(dataDir, 'gateway', 'gateway', createSqliteStore) : createMemoryStore();
  let idpStore: IdpStore | null = null;
  try {
    if (which.idp) idpStore = dataDir !== null ? openLocked(dataDir, 'idp', 'IdP', createSqliteIdpStore) : createMemoryIdpStore();
  } catch (err) {
    await store.close();
    throw err;
  }
  const servers: http.Server[] = [];
  let clock: Clock = o.clock ?? new SystemClock();
  const services: Services = {
    clock,
    store,
    dataDir,
    tls: tls ? { caFile: tls.caFile } : null,
    async close() {
      await Promise.all(servers.map((s) => closeGracefully(s, limits.shutdownGraceMs)));
      services.gateway?.close();
      await services.idp?.close();
      await idpStore?.close();
      await store.close();
    },
  };
  try {
    // The offset lives with the gateway; when only the IdP runs, with the IdP.
    if (!o.clock && config.clock === 'manual') clock = services.clock = await manualClockFor(which.gateway || !idpStore ? store.settings : idpStore.settings, o.logger);
    if (which.idp) {
      const idp = createIdp({ config, clock, ids, logger: o.logger.child({ component: 'idp' }), ...(dataDir !== null ? { secret: loadIdpSecret(dataDir) } : {}) });
      await attachIdpStore(idp, idpStore!, clock, o.logger.child({ component: 'idp' }));
      const server = createHttpServer(idp.app, behindProxy(limits, config.trustProxy.idp), tls);
      servers.push(server);
      await listen(server, config.host, config.idp.port, 'IdP');
      services.idp = { ...idp, server, url: config.idp.baseUrl };
    }
    if (which.gateway) {
      const idpTrust = config.gateway.idpMetadata ? await loadIdpTrust(config.gateway.idpMetadata) : await builtInIdpTrust(config);
      let sp;
      try {
        sp = loadSigningCredentials(config.gateway.spKey, config.gateway.spCert);
      } catch (err) {
        throw new StartupError((err as Error).message);
      }
      const sessionSecret = dataDir !== null ? loadSessionSecret(dataDir) : undefined;
      const gateway = createGateway({ config, clock, ids, store, logger: o.logger.child({ component: 'gateway' }), idp: idpTrust, sp, sessionSecret });
      const server = createHttpServer(gateway.app, behindProxy(limits, config.trustProxy.gateway), tls);
      servers.push(server);
      await listen(server, config.host, config.gateway.port, 'gateway');
      services.gateway = { ...gateway, server, url: config.gateway.baseUrl };
    }
  } catch (err) {
    await services.close().catch(() => undefined);
    throw err;
  }
  return services;
}
