/**
 * The gateway a benchmark's subject child serves: createGateway over the default SQLite store in
 * `dir`, behind the server samlgate start builds (its timeouts and connection cap), keep-alive as
 * the baselines'. The server is returned unstarted. Only the subject child imports this (with a
 * dynamic import), so the driver process never loads src/.
 */
import { SystemClock } from '../src/clock.ts';
import { resolveConfig } from '../src/config.ts';
import { createGateway } from '../src/gateway/app.ts';
import { randomIds } from '../src/ids.ts';
import { silentLogger } from '../src/log.ts';
import { loadSigningCredentials } from '../src/saml/keys.ts';
import { builtInIdpTrust, createHttpServer, HTTP_LIMITS } from '../src/server.ts';
import { openStore } from '../src/store/open.ts';

export async function subjectGateway(dir: string) {
  const config = resolveConfig({}, { logLevel: 'silent', data: dir });
  const clock = new SystemClock();
  const store = await openStore(dir);
  const gateway = createGateway({
    config,
    clock,
    ids: randomIds,
    store,
    logger: silentLogger,
    idp: await builtInIdpTrust(config),
    sp: loadSigningCredentials(config.gateway.spKey, config.gateway.spCert),
  });
  const server = createHttpServer(gateway.app, { ...HTTP_LIMITS, keepAliveTimeoutMs: 60_000 });
  return { clock, store, server, gateway };
}
