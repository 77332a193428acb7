#!/usr/bin/env node
/**
 * The `samlgate` command: argument parsing and process wiring only. Everything it runs lives in
 * server.ts, demo/, certs.ts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig, TFE_DEFAULTS, type Config, type FlagOverrides } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { StartupError, startServices, type Services } from './server.ts';
import { DataDirError, DataLockedError } from './store/data-dir.ts';
import { StoreOpenError } from './store/open.ts';


function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

/** Maps each server flag to the config path it overrides (one schema: src/config.ts). */
const FLAG_PATHS = {
  host: 'host',
  idpPort: 'idp.port',
  gatewayPort: 'gateway.port',
  clock: 'clock',
  data: 'data',
  idleTimeout: 'gateway.idleTimeout',
  sessionExpiration: 'gateway.sessionExpiration',
  apiTokenTimeout: 'gateway.apiTokenTimeout',
  idpMetadata: 'gateway.idpMetadata',
  idpAdminToken: 'idp.adminToken',
  allowIdpInitiated: 'gateway.allowIdpInitiated',
  relaxNameformat: 'gateway.relaxNameFormat',
  logLevel: 'logLevel',
} as const;

function serverOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file (flags override it)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1)')
    .option('--idp-port <port>', 'IdP port (default 7000)', portArg)
    .option('--gateway-port <port>', 'gateway port (default 8080)', portArg)
    .addOption(new Option('--clock <kind>', 'system clock, or manual: moved by POST /api/v2/_sim/clock (default system)').choices(['system', 'manual']))
    .option('--data <dir>', 'state directory: gateway.db, idp.db (SQLite) and the session secret; ":memory:" keeps nothing (default ./.samlgate)')
    .option('--idle-timeout <duration>', `web session idle timeout, TFE "session-timeout" (default ${TFE_DEFAULTS.idleTimeout} = 14d)`)
    .option('--session-expiration <duration>', `web session absolute timeout, TFE "session-remember" (default ${TFE_DEFAULTS.sessionExpiration} = 14d)`)
    .option('--api-token-timeout <duration>', `TFE "sso-api-token-session-timeout" (default ${TFE_DEFAULTS.apiTokenTimeout} = 14d)`)
    .option('--idp-metadata <file|url>', 'gateway: trust this IdP instead of the built-in one')
    .option('--idp-admin-token <token>', 'IdP: require this bearer token on its admin API (/api)')
    .option('--allow-idp-initiated', 'gateway: accept unsolicited (IdP-initiated) responses')
    .option('--relax-nameformat', 'gateway: also accept IsServiceAccount without a NameFormat')
    .addOption(new Option('--log-level <level>', 'log level (default info)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));
}

function configFrom(opts: Record<string, unknown>): Config {
  const flags: FlagOverrides = {};
  for (const [key, path] of Object.entries(FLAG_PATHS)) if (opts[key] !== undefined) flags[path] = opts[key];
  return loadConfig(opts.config as string | undefined, flags);
}

function fail(err: unknown, logger?: Logger): never {
  if (err instanceof ConfigError || err instanceof DataDirError) {
    process.stderr.write(`samlgate: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof StartupError || err instanceof StoreOpenError || err instanceof DataLockedError || (err as { code?: string })?.code === 'ERR_KEY' || (err as { code?: string })?.code === 'ERR_METADATA') {
    process.stderr.write(`samlgate: ${(err as Error).message}\n`);
    process.exit(1);
  }
  logger?.fatal({ err }, 'unexpected failure');
  process.stderr.write(`samlgate: unexpected failure: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
}

function closeOnSignals(services: Services, logger: Logger) {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // In-flight requests get HTTP_LIMITS.shutdownGraceMs; this only catches a close that hangs.
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    services.close().then(
      () => process.exit(0),
      (err) => fail(err, logger),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function runServers(which: { idp: boolean; gateway: boolean }, opts: Record<string, unknown>) {
  let logger: Logger | undefined;
  try {
    const config = configFrom(opts);
    logger = createLogger(config.logLevel);
    const services = await startServices(config, which, { logger });
    closeOnSignals(services, logger);
    const lines = [];
    if (services.idp) lines.push(`test IdP   ${services.idp.url}  (metadata ${services.idp.url}/metadata; users alice, bob, carol: password = username)`);
    if (services.gateway) lines.push(`gateway    ${services.gateway.url}  (sign in at ${services.gateway.url}/session; API ${services.gateway.url}/api/v2)`);
    lines.push(services.dataDir ? `state      ${services.dataDir}  (kept across restarts; --data DIR to move it, --data :memory: to keep nothing)` : 'state      in memory only (--data :memory:): nothing is kept when samlgate stops');
    if (config.clock === 'manual') lines.push(`dev clock  manual: POST ${config.gateway.baseUrl}/api/v2/_sim/clock {"advance":"15m"}`);
    process.stdout.write(`samlgate ready in ${Math.round(performance.now())} ms\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  } catch (err) {
    fail(err, logger);
  }
}

export function buildProgram(): Command {
  const program = new Command('samlgate')
    .description('A local test IdP and a TFE-shaped SSO session gateway: reproduce SAML session expiry, the IsServiceAccount exemption and token rules without a real IdP or TFE.')
    .showHelpAfterError('(run with --help for usage)')
    // Usage errors (unknown option, bad value) are configuration errors: exit code 2, like a bad config file.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .configureOutput({ outputError: (str, write) => write(`samlgate: ${str.replace(/^error: /, '')}`) });

  serverOptions(program.command('start').description('start the test IdP and the gateway (both halves)')).action((opts) => runServers({ idp: true, gateway: true }, opts));
  serverOptions(program.command('idp').description('start only the test IdP')).action((opts) => runServers({ idp: true, gateway: false }, opts));
  serverOptions(program.command('gateway').description('start only the gateway (SP + /api/v2)')).action((opts) => runServers({ idp: false, gateway: true }, opts));

  program
    .command('demo')
    .description('scripted story on a manual clock: 401 on session expiry, the service-account exemption, the next-login delay')
    .option('--idle-timeout <duration>', 'web session idle timeout used in the demo', '20m')
    .option('--api-token-timeout <duration>', 'sso-api-token-session-timeout used in the demo', TFE_DEFAULTS.apiTokenTimeout)
    .action(async (opts) => {
      try {
        const { runDemo } = await import('./demo/run.ts');
        const ok = await runDemo({ idleTimeout: opts.idleTimeout, apiTokenTimeout: opts.apiTokenTimeout, out: process.stdout });
        process.exit(ok ? 0 : 1);
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('certs')
    .description('create new dev-only key pairs for the IdP and the SP (TEST ONLY, never production)')
    .option('--dir <dir>', 'where to write idp-signing.{key,crt} and sp-signing.{key,crt}', 'certs')
    .option('--force', 'overwrite existing files')
    .option('--days <n>', 'certificate validity in days', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 36500) throw new InvalidArgumentError('must be a whole number of days from 1 to 36500');
      return n;
    }, 3650)
    .action(async (opts) => {
      try {
        const { generateDevCertificates } = await import('./certs.ts');
        const files = await generateDevCertificates(opts.dir, { force: Boolean(opts.force), days: opts.days });
        process.stdout.write(`wrote (test only, never use in production):\n${files.map((f) => `  ${f}`).join('\n')}\n`);
      } catch (err) {
        process.stderr.write(`samlgate: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });

  return program;
}

await buildProgram().parseAsync(process.argv);
