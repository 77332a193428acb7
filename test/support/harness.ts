/**
 * In-process IdP <-> gateway round trips (samlify's test/flow.ts style): both real apps, the real
 * signatures, one ManualClock, driven through HTTP with supertest agents (one pair of agents =
 * one browser, with its own cookies for each origin).
 */
import path from 'node:path';
import request from 'supertest';
import type { Agent } from 'supertest';
import { ManualClock } from '../../src/clock.ts';
import { DEV_CERTS_DIR, resolveConfig, type Config } from '../../src/config.ts';
import { randomIds } from '../../src/ids.ts';
import { silentLogger, type Logger } from '../../src/log.ts';
import { createGateway, type Gateway } from '../../src/gateway/app.ts';
import { createIdp, type Idp } from '../../src/idp/app.ts';
import { loadSigningCredentials } from '../../src/saml/keys.ts';
import { builtInIdpTrust } from '../../src/server.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import type { Store } from '../../src/store/types.ts';
import { parseDuration as parseDurationForTests } from '../../src/duration.ts';
import { hiddenFields, metaCsrfToken, parseAutoPostForm } from '../../src/client/saml-browser.ts';

export interface Harness {
  clock: ManualClock;
  config: Config;
  store: Store;
  idp: Idp;
  gateway: Gateway;
  browser(): Browser;
  /** Logs a user in through /session -> IdP form -> ACS and returns their session details. */
  login(username: string, browser?: Browser, password?: string): Promise<LoggedIn>;
  /** Changes a user at the IdP through its admin API. */
  patchIdpUser(username: string, body: unknown): Promise<void>;
  advance(duration: string | number): void;
}

export interface Browser {
  gw: Agent;
  idp: Agent;
}

export interface LoggedIn {
  browser: Browser;
  userId: string;
  csrf: string;
  /** Creates a user token through the session-authenticated API and returns its secret. */
  createToken(description?: string): Promise<{ id: string; secret: string }>;
}

/** `flags` are config paths as the CLI maps them ('gateway.idleTimeout': '20m', ...). */
/** `monotonicNow`: the gateway's real-time source (rate-limit windows), for tests that move it themselves. */
export async function createHarness(flags: Record<string, unknown> = {}, file: Record<string, unknown> = {}, o: { logger?: Logger; store?: Store; monotonicNow?: () => number } = {}): Promise<Harness> {
  const logger = o.logger ?? silentLogger;
  const clock = new ManualClock();
  const config = resolveConfig(file, { clock: 'manual', ...flags });
  const store = o.store ?? createMemoryStore();
  const idp = createIdp({ config, clock, ids: randomIds, logger });
  const gateway = createGateway({
    config,
    clock,
    ids: randomIds,
    store,
    logger,
    idp: await builtInIdpTrust(config),
    sp: loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt')),
    monotonicNow: o.monotonicNow,
  });

  const browser = (): Browser => ({ gw: request.agent(gateway.app), idp: request.agent(idp.app) });

  const login = async (username: string, b: Browser = browser(), password = username): Promise<LoggedIn> => {
    const start = await b.gw.get('/session?force=1').expect(302);
    const sso = new URL(start.headers.location!);
    let page = await b.idp.get(sso.pathname + sso.search);
    if (/name="password"/.test(page.text)) {
      page = await b.idp.post('/login').type('form').send({ ...hiddenFields(page.text), username, password });
    }
    const form = parseAutoPostForm(page.text);
    if (!form) throw new Error(`IdP did not answer with a SAML form (HTTP ${page.status}): ${page.text.slice(0, 300)}`);
    const acs = await b.gw.post(new URL(form.action).pathname).type('form').send(form.fields);
    if (acs.status !== 303) throw new Error(`ACS refused the login of ${username} (HTTP ${acs.status}): ${acs.text.slice(0, 400)}`);
    const home = await b.gw.get('/').expect(200);
    const csrf = metaCsrfToken(home.text)!;
    const me = await b.gw.get('/api/v2/account/details').expect(200);
    const userId = me.body.data.id as string;
    return {
      browser: b,
      userId,
      csrf,
      async createToken(description = 'test') {
        const res = await b.gw
          .post(`/api/v2/users/${userId}/authentication-tokens`)
          .set('Content-Type', 'application/vnd.api+json')
          .set('X-CSRF-Token', csrf)
          .send(JSON.stringify({ data: { type: 'authentication-tokens', attributes: { description } } }))
          .expect(201);
        return { id: res.body.data.id, secret: res.body.data.attributes.token };
      },
    };
  };

  return {
    clock,
    config,
    store,
    idp,
    gateway,
    browser,
    login,
    async patchIdpUser(username, body) {
      await request(idp.app).patch(`/api/users/${username}`).send(body as object).expect(200);
    },
    advance(duration) {
      const ms = typeof duration === 'number' ? duration : parseDurationForTests(duration);
      clock.advance(ms);
    },
  };
}

/** The gateway session cookie a harness browser holds, as a Cookie header value (for raw HTTP clients). */
export function sessionCookie(b: Browser): string {
  const jar = (b.gw as unknown as { jar: { getCookies(access: unknown): { name: string; value: string }[] } }).jar;
  const cookies = jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false });
  const c = cookies.find((x) => x.name === 'samlgate_session');
  if (!c) throw new Error('the browser holds no samlgate_session cookie');
  return `${c.name}=${c.value}`;
}

/** GET /api/v2/account/details with a bearer token: the call automation makes. */
export function callWithToken(h: Harness, secret: string) {
  return request(h.gateway.app).get('/api/v2/account/details').set('Authorization', `Bearer ${secret}`).set('Accept', 'application/vnd.api+json');
}
