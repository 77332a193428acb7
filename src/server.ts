/**
 * Process wiring shared by `samlgate start|idp|gateway` and the demo: builds the clock, store,
 * keys and both apps from one Config, listens, and closes cleanly.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
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
import { openStore } from './store/open.ts';
import type { Store } from './store/types.ts';

export class StartupError extends Error {
  readonly code = 'ERR_STARTUP';
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
  store: Store;
  idp?: Idp & { url: string; server: http.Server };
  gateway?: Gateway & { url: string; server: http.Server };
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

export async function startServices(
  config: Config,
  which: { idp: boolean; gateway: boolean },
  o: { logger: Logger; ids?: IdGenerator; clock?: Clock },
): Promise<Services> {
  const clock = o.clock ?? (config.clock === 'manual' ? new ManualClock() : new SystemClock());
  const ids = o.ids ?? randomIds;
  const store = await openStore(config.data);
  const servers: http.Server[] = [];
  const services: Services = {
    clock,
    store,
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections?.();
      })));
      services.gateway?.close();
      await services.idp?.close();
      await store.close();
    },
  };
  try {
    if (which.idp) {
      const idp = createIdp({ config, clock, ids, logger: o.logger.child({ component: 'idp' }) });
      const server = http.createServer(idp.app);
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
      const gateway = createGateway({ config, clock, ids, store, logger: o.logger.child({ component: 'gateway' }), idp: idpTrust, sp });
      const server = http.createServer(gateway.app);
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
