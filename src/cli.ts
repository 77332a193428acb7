#!/usr/bin/env node
/**
 * The `samlgate` command: argument parsing and process wiring only. Everything it runs lives in
 * server.ts, demo/, certs.ts, client/.
 *
 * Exit codes: 0 success; 1 a runtime failure (port in use, unreadable key or metadata, a login the
 * IdP or gateway refused); 2 every usage or configuration error (unknown option, an option of
 * another subcommand, a bad value in a flag or the config file, a bad --data). For errors that end a
 * command this is the error's kind, usage or runtime (exitCodeOf in src/errors.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Clock } from './clock.ts';
import { LOG_FORMATS, loadConfig, PACKAGE_ROOT, TFE_DEFAULTS, type Config, type FlagOverrides } from './config.ts';
import { parseDuration } from './duration.ts';
import { exitCodeOf, SamlgateError } from './errors.ts';
import { createLogger, defaultLogFormat, type Logger } from './log.ts';
// The servers' module graph (express, the SAML stack, SQLite: ~330 ms) loads only for a command
// that serves; --help, --version, usage errors, validate, login and certs start without it.
import type { Services } from './server.ts';
import { registerValidateCommand } from './validate/command.ts';

const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

/** Checked here so the message names the flag; the value itself is passed on as typed. */
function durationArg(value: string): string {
  try {
    parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

function trustProxyArg(value: string): boolean | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value.trim() === '') throw new InvalidArgumentError('use true, false, or addresses/names such as "loopback, 10.0.0.0/8"');
  return value;
}

type ServerCommand = 'start' | 'idp' | 'gateway';
const ALL: ServerCommand[] = ['start', 'idp', 'gateway'];
const GATEWAY: ServerCommand[] = ['start', 'gateway'];
const IDP: ServerCommand[] = ['start', 'idp'];

interface ServerOption {
  flags: string;
  /** The config path the flag overrides (src/config.ts); absent for --config. */
  path?: string;
  commands: ServerCommand[];
  description: string | ((cmd: ServerCommand) => string);
  parse?: (value: string) => unknown;
  choices?: readonly string[];
}

/**
 * Every server flag, which subcommands take it, and the config path it sets. One table: --help,
 * the "option of another subcommand" error and the flag names in config errors all read it.
 */
const SERVER_OPTIONS: ServerOption[] = [
  { flags: '-c, --config <file>', commands: ALL, description: 'YAML config file (flags override it; schema in docs/cli.md)' },
  { flags: '--host <address>', path: 'host', commands: ALL, description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface, then set the public URLs)' },
  { flags: '--idp-port <port>', path: 'idp.port', commands: IDP, parse: portArg, description: 'IdP port (default 7000)' },
  { flags: '--gateway-port <port>', path: 'gateway.port', commands: GATEWAY, parse: portArg, description: 'gateway port (default 8080)' },
  {
    flags: '--idp-public-url <url>', path: 'idp.baseUrl', commands: ALL,
    description: (c) => (c === 'gateway' ? 'where browsers reach the built-in IdP (default http://localhost:7000; https with --tls)' : 'the URL browsers use for the IdP, behind a proxy or in a container (default http://localhost:<idp-port>; https with --tls)'),
  },
  {
    flags: '--gateway-public-url <url>', path: 'gateway.baseUrl', commands: ALL,
    description: (c) => (c === 'idp' ? 'where the gateway SP is (its entity ID and ACS derive from it; default http://localhost:8080)' : 'the URL browsers use for the gateway, behind a proxy or in a container (default http://localhost:<gateway-port>; https with --tls)'),
  },
  { flags: '--clock <kind>', path: 'clock', commands: ALL, choices: ['system', 'manual'], description: 'system, or manual: moved by POST /api/v2/_sim/clock on either half (default system)' },
  { flags: '--data <dir>', path: 'data', commands: ALL, description: 'state directory: gateway.db, idp.db (SQLite) and the session secret; ":memory:" keeps nothing (default ./.samlgate)' },
  { flags: '--tls', path: 'tls.enabled', commands: ALL, description: 'serve HTTPS with the dev CA\'s localhost certificate (made on first use; trust certs/dev-ca.pem) (default off)' },
  { flags: '--tls-cert <file>', path: 'tls.cert', commands: ALL, description: 'PEM certificate to serve instead of the dev one (implies --tls; with --tls-key)' },
  { flags: '--tls-key <file>', path: 'tls.key', commands: ALL, description: 'PEM private key for --tls-cert' },
  { flags: '--trust-proxy <value>', path: 'trustProxy', commands: ALL, parse: trustProxyArg, description: 'peers whose X-Forwarded-Proto is believed: true, false or addresses (default: "loopback, linklocal, uniquelocal" when a public URL is https without --tls, else false)' },
  { flags: '--idle-timeout <duration>', path: 'gateway.idleTimeout', commands: GATEWAY, description: `web session idle timeout, TFE "session-timeout" (default ${TFE_DEFAULTS.idleTimeout} = 14d)` },
  { flags: '--session-expiration <duration>', path: 'gateway.sessionExpiration', commands: GATEWAY, description: `web session absolute timeout, TFE "session-remember" (default ${TFE_DEFAULTS.sessionExpiration} = 14d)` },
  { flags: '--api-token-timeout <duration>', path: 'gateway.apiTokenTimeout', commands: GATEWAY, description: `TFE "sso-api-token-session-timeout" (default ${TFE_DEFAULTS.apiTokenTimeout} = 14d)` },
  { flags: '--idp-metadata <file|url>', path: 'gateway.idpMetadata', commands: GATEWAY, description: 'trust this IdP instead of the built-in one (default: the built-in IdP)' },
  { flags: '--allow-idp-initiated', path: 'gateway.allowIdpInitiated', commands: GATEWAY, description: 'accept unsolicited (IdP-initiated) responses (default off)' },
  { flags: '--relax-nameformat', path: 'gateway.relaxNameFormat', commands: GATEWAY, description: 'also accept IsServiceAccount without a NameFormat (default off)' },
  { flags: '--strict-attributes', path: 'gateway.strictAttributes', commands: GATEWAY, description: 'refuse duplicate, multi-valued or empty attributes that TFE would read (default: read them as TFE does and report them)' },
  { flags: '--idp-admin-token <token>', path: 'idp.adminToken', commands: IDP, description: 'require this bearer token on the IdP admin API /api (default: open)' },
  { flags: '--log-level <level>', path: 'logLevel', commands: ALL, choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'log level (default info: one access-log line per request)' },
  { flags: '--log-format <format>', path: 'logFormat', commands: ALL, choices: LOG_FORMATS, description: 'pretty or json lines (default: pretty on a terminal, json otherwise)' },
];

const longFlag = (flags: string) => /--[a-z0-9-]+/.exec(flags)![0];
/** commander's attribute name for a flag: --idp-port -> idpPort. */
const attributeName = (flags: string) => longFlag(flags).slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Which subcommands take each long flag (for "an option of another subcommand" errors). */
const OWNERS = new Map<string, Set<string>>();
function recordOwner(flag: string, command: string) {
  const owners = OWNERS.get(flag) ?? new Set();
  owners.add(command);
  OWNERS.set(flag, owners);
}

function addServerOptions(cmd: Command, name: ServerCommand): Command {
  for (const o of SERVER_OPTIONS.filter((x) => x.commands.includes(name))) {
    const option = new Option(o.flags, typeof o.description === 'function' ? o.description(name) : o.description);
    if (o.choices) option.choices(o.choices);
    if (o.parse) option.argParser(o.parse);
    cmd.addOption(option);
  }
  return cmd;
}

function configFrom(opts: Record<string, unknown>, name: ServerCommand): Config {
  const flags: FlagOverrides = {};
  const flagNames: Record<string, string> = {};
  for (const o of SERVER_OPTIONS) {
    if (!o.path || !o.commands.includes(name)) continue;
    const value = opts[attributeName(o.flags)];
    if (value === undefined) continue;
    flags[o.path] = value;
    flagNames[o.path] = longFlag(o.flags);
  }
  return loadConfig(opts.config as string | undefined, flags, flagNames);
}

/**
 * Every error samlgate raises on purpose (a SamlgateError) says what to fix in its message, so it
 * is printed as is; anything else is a bug, logged as one. The exit code is the error's kind.
 */
function fail(err: unknown, logger?: Logger): never {
  if (err instanceof SamlgateError) {
    process.stderr.write(`samlgate: ${err.message}\n`);
  } else {
    logger?.fatal({ err }, 'unexpected failure');
    process.stderr.write(`samlgate: unexpected failure: ${(err as Error)?.message ?? String(err)}\n`);
  }
  process.exit(exitCodeOf(err));
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

/** What a person needs to start using what just started: URLs, the CA to trust, each clock URL. */
function banner(config: Config, services: Services): string {
  const lines: string[] = [];
  if (services.idp) lines.push(`test IdP   ${services.idp.url}  (metadata ${services.idp.url}/metadata; users alice, bob, carol: password = username)`);
  if (services.gateway) {
    const host = new URL(services.gateway.url).host;
    lines.push(`gateway    ${services.gateway.url}  (sign in at ${services.gateway.url}/session; API ${services.gateway.url}/api/v2${services.gateway.url.startsWith('https:') ? `; terraform login ${host}` : ''})`);
  }
  lines.push(services.dataDir ? `state      ${services.dataDir}  (kept across restarts; --data DIR to move it, --data :memory: to keep nothing)` : 'state      in memory only (--data :memory:): nothing is kept when samlgate stops');
  if (services.tls?.caFile) lines.push(`TLS        trust ${services.tls.caFile} (browser; SSL_CERT_FILE for terraform; NODE_EXTRA_CA_CERTS for node)`);
  else if (services.tls) lines.push(`TLS        serving ${config.tls.cert}`);
  if (config.clock === 'manual') {
    const urls = [services.gateway?.url, services.idp?.url].filter((u): u is string => u !== undefined).map((u) => `${u}/api/v2/_sim/clock`);
    const shared = urls.length > 1 ? ', shared by both halves' : ', this process only';
    lines.push(`dev clock  manual${shared}: POST ${urls.join(' or ')} {"advance":"15m"}`);
  }
  if (config.host === '0.0.0.0' || config.host === '::') {
    const local = [services.idp?.url, services.gateway?.url].filter((u) => u && /\/\/localhost[:/]/.test(`${u}/`));
    if (local.length) lines.push(`note       listening on every interface, but browsers are sent to ${local.join(' and ')}: set --idp-public-url/--gateway-public-url`);
  }
  // "samlgate ready in N ms" is what scripts and bench/startup.ts wait for: keep it first.
  return `samlgate ready in ${Math.round(performance.now())} ms (version ${VERSION})\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

async function runServers(name: ServerCommand, opts: Record<string, unknown>) {
  let logger: Logger | undefined;
  try {
    const config = configFrom(opts, name);
    // startServices makes the clock (a manual one resumes its persisted offset); until it exists
    // the log's simTime reads the real time, which is where a fresh manual clock starts.
    let started: Services | undefined;
    const clock: Clock = { kind: config.clock, now: () => started?.clock.now() ?? Date.now() };
    logger = createLogger(config.logLevel, undefined, { format: config.logFormat ?? defaultLogFormat(process.stdout), clock });
    const which = { idp: name !== 'gateway', gateway: name !== 'idp' };
    const { startServices } = await import('./server.ts');
    const services = (started = await startServices(config, which, { logger }));
    closeOnSignals(services, logger);
    process.stdout.write(banner(config, services));
  } catch (err) {
    fail(err, logger);
  }
}

/**
 * commander says "unknown option" for a flag that exists elsewhere; say which subcommand takes it.
 * Applied to each subcommand's error output.
 */
function explainForeignOption(command: string, message: string): string {
  const m = /unknown option '(--[^'=]+)/.exec(message);
  if (!m) return message;
  const owners = [...(OWNERS.get(m[1]!) ?? [])].filter((c) => c !== command);
  if (owners.length === 0) return message;
  const list = owners.map((c) => `samlgate ${c}`).join(', ');
  return `${m[1]} is not an option of samlgate ${command}: it belongs to ${list} (see samlgate ${owners[0]} --help)\n`;
}

function usageError(message: string): never {
  process.stderr.write(`samlgate: ${message}\n`);
  process.exit(2);
}

export function buildProgram(): Command {
  const program = new Command('samlgate')
    .description('A local test IdP and a TFE-shaped SSO session gateway: reproduce SAML session expiry, the IsServiceAccount exemption and token rules without a real IdP or TFE.')
    .version(VERSION, '-V, --version', 'print the samlgate version')
    .showHelpAfterError('(run with --help for usage)')
    // Usage errors (unknown option, bad value) are configuration errors: exit code 2, like a bad config file.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .configureOutput({ outputError: (str, write) => write(`samlgate: ${str.replace(/^error: /, '')}`) });

  const subcommand = (name: string, description: string) => {
    const cmd = program.command(name).description(description);
    cmd.configureOutput({ outputError: (str, write) => write(`samlgate: ${explainForeignOption(name, str.replace(/^error: /, ''))}`) });
    return cmd;
  };
  const owned = (cmd: Command) => {
    for (const o of cmd.options) if (o.long) recordOwner(o.long, cmd.name());
    return cmd;
  };

  owned(addServerOptions(subcommand('start', 'start the test IdP and the gateway (both halves, one shared clock)'), 'start')).action((opts) => runServers('start', opts));
  owned(addServerOptions(subcommand('idp', 'start only the test IdP'), 'idp')).action((opts) => runServers('idp', opts));
  owned(addServerOptions(subcommand('gateway', 'start only the gateway (SP + /api/v2)'), 'gateway')).action((opts) => runServers('gateway', opts));

  owned(
    subcommand('login', 'scripted SAML login through the gateway and its IdP (for CI): prints the session cookie, or a new user token with --token')
      .requiredOption('--user <name>', 'IdP username to sign in as (required)')
      .option('--password <password>', 'IdP password (default: the username, as the embedded users have; pick-only users need none)')
      .option('--token', 'create a user API token and print only its secret (default: print samlgate_session=<cookie>)')
      .option('--description <text>', 'description of the token made with --token (default "samlgate login")')
      .option('--gateway <url>', 'the gateway to sign in at; the IdP is whatever its /session redirects to (default http://localhost:8080)', 'http://localhost:8080')
      .option('--json', 'print {"user": ..., "token": ...} or {"user": ..., "cookie": ...} instead (default off)'),
  ).action(async (opts) => {
    if (opts.description !== undefined && !opts.token) usageError('login: --description names the token made with --token; add --token');
    let gateway: URL;
    try {
      gateway = new URL(opts.gateway);
      if (gateway.protocol !== 'http:' && gateway.protocol !== 'https:') throw new Error();
    } catch {
      usageError(`login: --gateway must be an http(s) URL such as http://localhost:8080 (got ${JSON.stringify(opts.gateway)})`);
    }
    const { scriptedLogin } = await import('./client/login.ts');
    const result = await scriptedLogin({ gatewayUrl: gateway.href, user: opts.user, password: opts.password, token: Boolean(opts.token), description: opts.description });
    if (!result.ok) {
      process.stderr.write(`samlgate login: refused: ${result.code}: ${result.reason}\n`);
      if (opts.json) process.stdout.write(`${JSON.stringify({ error: { code: result.code, reason: result.reason } })}\n`);
      process.exit(1);
    }
    const secret = opts.token ? { token: result.token } : { cookie: result.cookie };
    process.stdout.write(opts.json ? `${JSON.stringify({ user: result.user, ...secret })}\n` : `${opts.token ? result.token : result.cookie}\n`);
    process.exit(0);
  });

  owned(
    subcommand('demo', 'scripted story on a manual clock: 401 on session expiry, the service-account exemption, the next-login delay')
      .option('--idle-timeout <duration>', 'web session idle timeout used in the demo', durationArg, '20m')
      .option('--api-token-timeout <duration>', 'sso-api-token-session-timeout used in the demo', durationArg, TFE_DEFAULTS.apiTokenTimeout),
  ).action(async (opts) => {
    try {
      const { runDemo } = await import('./demo/run.ts');
      const ok = await runDemo({ idleTimeout: opts.idleTimeout, apiTokenTimeout: opts.apiTokenTimeout, out: process.stdout });
      process.exit(ok ? 0 : 1);
    } catch (err) {
      fail(err);
    }
  });

  owned(
    subcommand('certs', 'make dev-only key pairs (IdP and SP signing) and the dev TLS CA + localhost certificate (TEST ONLY, never production)')
      .option('--dir <dir>', 'where to write the files', 'certs')
      .addOption(new Option('--only <set>', 'make only the signing pairs (idp-signing, sp-signing) or only the TLS set (dev-ca, localhost) (default: both)').choices(['signing', 'tls']))
      .option('--force', 'overwrite existing files (default: keep them)')
      .option('--days <n>', 'validity of the signing certificates in days', (v) => {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 36500) throw new InvalidArgumentError('must be a whole number of days from 1 to 36500');
        return n;
      }, 3650),
  ).action(async (opts) => {
    try {
      const { generateDevCertificates, generateDevTls, devTlsPaths } = await import('./certs.ts');
      const { existsSync } = await import('node:fs');
      const written: string[] = [];
      const kept: string[] = [];
      const signingFiles = ['idp-signing.key', 'idp-signing.crt', 'sp-signing.key', 'sp-signing.crt'].map((f) => path.join(opts.dir, f));
      const sets = [
        { name: 'signing', files: signingFiles, make: async () => generateDevCertificates(opts.dir, { force: Boolean(opts.force), days: opts.days }) },
        { name: 'tls', files: Object.values(devTlsPaths(opts.dir)), make: async () => Object.values(await generateDevTls(opts.dir, { force: Boolean(opts.force) })) },
      ].filter((s) => opts.only === undefined || s.name === opts.only);
      for (const set of sets) {
        const existing = set.files.filter((f) => existsSync(f));
        if (existing.length > 0 && !opts.force) {
          kept.push(...existing);
          continue;
        }
        written.push(...(await set.make()));
      }
      if (written.length === 0) {
        process.stderr.write(`samlgate: refusing to overwrite ${kept.join(', ')}: pass --force to replace them\n`);
        process.exit(1);
      }
      const tlsCa = written.find((f) => f.endsWith('dev-ca.pem'));
      process.stdout.write(
        `wrote (test only, never use in production):\n${written.map((f) => `  ${f}`).join('\n')}\n` +
          (kept.length ? `kept (pass --force to replace):\n${kept.map((f) => `  ${f}`).join('\n')}\n` : '') +
          (tlsCa ? `trust ${path.resolve(tlsCa)} to use --tls without certificate warnings (docs/tls.md)\n` : ''),
      );
    } catch (err) {
      process.stderr.write(`samlgate: ${(err as Error).message}\n`);
      process.exit(1);
    }
  });

  const validate = registerValidateCommand(program);
  validate.configureOutput({ outputError: (str, write) => write(`samlgate: ${explainForeignOption('validate', str.replace(/^error: /, ''))}`) });
  owned(validate);

  return program;
}

await buildProgram().parseAsync(process.argv);
