/**
 * `samlgate demo`: the whole story on a manual clock, through the real IdP, the real gateway,
 * real HTTP and real signatures. Every step checks what it shows; a step that does not behave as
 * TFE would makes the demo fail (exit 1), so the demo doubles as an end-to-end smoke test.
 */
import type { Writable } from 'node:stream';
import { ManualClock } from '../clock.ts';
import { resolveConfig } from '../config.ts';
import { formatDuration, humanDuration } from '../duration.ts';
import { silentLogger } from '../log.ts';
import { startServices } from '../server.ts';
import { loginThroughGateway, metaCsrfToken, SamlBrowser } from '../client/saml-browser.ts';
import { freePort } from '../util/free-port.ts';
import { organizationTokensChapter } from './organization-tokens.ts';
import { workspacesChapter } from './workspaces-chapter.ts';

export interface DemoOptions {
  idleTimeout?: string;
  apiTokenTimeout?: string;
  out: Writable;
  /** Colours off for logs and tests. */
  plain?: boolean;
}

export async function runDemo(o: DemoOptions): Promise<boolean> {
  const color = !o.plain && (o.out as { isTTY?: boolean }).isTTY === true;
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const clock = new ManualClock();
  const t0 = clock.now();
  const config = resolveConfig({}, {
    clock: 'manual',
    // The demo is a throwaway story: it never touches ./.samlgate.
    data: ':memory:',
    'idp.port': await freePort(),
    'gateway.port': await freePort(),
    'gateway.idleTimeout': o.idleTimeout ?? '20m',
    'gateway.apiTokenTimeout': o.apiTokenTimeout ?? '1209600s',
  });
  const idle = config.gateway.idleTimeout;
  const services = await startServices(config, { idp: true, gateway: true }, { logger: silentLogger, clock });
  const gw = config.gateway.baseUrl;
  const idp = config.idp.baseUrl;
  let ok = true;

  const stamp = () => `T+${clock.now() === t0 ? '0m' : humanDuration(clock.now() - t0)}`.padEnd(9);
  const say = (text: string) => o.out.write(`${paint('2', stamp())} ${text}\n`);
  const heading = (text: string) => o.out.write(`\n${paint('1', text)}\n`);
  const expect = (label: string, status: number, want: number, detail?: string) => {
    const pass = status === want;
    if (!pass) ok = false;
    const mark = pass ? paint('32', '✓') : paint('31', `✗ expected ${want}`);
    say(`${label} -> ${paint(status < 300 ? '32' : '31', String(status))} ${mark}${detail ? `\n${' '.repeat(10)}${paint('2', detail)}` : ''}`);
  };

  const browsers: Record<string, SamlBrowser> = { alice: new SamlBrowser(), bob: new SamlBrowser(), carol: new SamlBrowser() };
  const login = async (who: string) => {
    const page = await loginThroughGateway(browsers[who]!, gw, who, who);
    return metaCsrfToken(page.body)!;
  };
  const createToken = async (who: 'alice' | 'bob', csrf: string) => {
    const b = browsers[who]!;
    const me = JSON.parse((await b.request('GET', `${gw}/api/v2/account/details`)).body).data;
    const res = await b.request('POST', `${gw}/api/v2/users/${me.id}/authentication-tokens`, {
      json: { data: { type: 'authentication-tokens', attributes: { description: 'demo automation' } } },
      headers: { 'x-csrf-token': csrf },
    });
    return { user: me, secret: JSON.parse(res.body).data.attributes.token as string };
  };
  const call = async (secret: string) => {
    const res = await fetch(`${gw}/api/v2/account/details`, { headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.api+json' } });
    const body = await res.json().catch(() => ({}));
    return { status: res.status, detail: body?.errors?.[0]?.detail as string | undefined };
  };
  const advance = (ms: number, why: string) => {
    clock.advance(ms);
    say(paint('33', `⏩ clock +${formatDuration(ms)} (${why})`));
  };

  try {
    o.out.write(`${paint('1', 'samlgate demo')}: SAML session expiry and TFE API tokens\n`);
    o.out.write(`IdP ${idp} · gateway ${gw} · idle timeout ${formatDuration(idle)} · sso-api-token-session-timeout ${formatDuration(config.gateway.apiTokenTimeout)}\n`);

    heading('1. Two users log in through the IdP and create API tokens');
    const aliceCsrf = await login('alice');
    say('alice logs in via SAML (IsServiceAccount not sent)');
    const alice = await createToken('alice', aliceCsrf);
    say(`alice creates an API token ${alice.secret.slice(0, 6)}… (shown once)`);
    const bobCsrf = await login('bob');
    say('bob logs in via SAML (IdP sends IsServiceAccount=true)');
    const bob = await createToken('bob', bobCsrf);
    say(`bob creates an API token ${bob.secret.slice(0, 6)}…`);
    expect('alice GET /api/v2/account/details', (await call(alice.secret)).status, 200);
    expect('bob   GET /api/v2/account/details', (await call(bob.secret)).status, 200);

    heading('2. Nobody touches the UI: the web sessions time out');
    advance(idle + 60_000, 'past the idle timeout');
    const a1 = await call(alice.secret);
    expect('alice GET /api/v2/account/details', a1.status, 401, a1.detail);
    expect('bob   GET /api/v2/account/details', (await call(bob.secret)).status, 200, 'service account: the token outlives the session');

    heading('3. The IdP stops flagging bob; the gateway learns it only at his next login');
    const patch = await fetch(`${idp}/api/users/bob`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ attributes: { IsServiceAccount: false } }) });
    say(`IdP admin: PATCH /api/users/bob IsServiceAccount=false -> ${patch.status}`);
    expect('bob   GET /api/v2/account/details', (await call(bob.secret)).status, 200, 'still flagged: the flag was synced at his last login');
    advance(3 * 3_600_000, 'hours later, still no login');
    expect('bob   GET /api/v2/account/details', (await call(bob.secret)).status, 200, 'removing the flag at the IdP has not taken effect yet');

    heading('4. bob logs in again: the new flag applies');
    await login('bob');
    say('bob logs in via SAML (IsServiceAccount=false now)');
    expect('bob   GET /api/v2/account/details', (await call(bob.secret)).status, 200, 'valid while his new web session is live');
    advance(idle + 60_000, 'past the idle timeout again');
    const b2 = await call(bob.secret);
    expect('bob   GET /api/v2/account/details', b2.status, 401, b2.detail);

    heading('5. alice logs in again: her token was never deleted');
    await login('alice');
    say('alice logs in via SAML');
    expect('alice GET /api/v2/account/details', (await call(alice.secret)).status, 200, 'same token, valid again');

    await organizationTokensChapter({
      gw,
      heading,
      say,
      expect,
      fail: (text) => {
        ok = false;
        say(paint('31', `✗ ${text}`));
      },
      advance,
      login,
      browser: (who) => browsers[who]!,
      idleTimeoutMs: idle,
      apiTokenTimeoutMs: config.gateway.apiTokenTimeout,
    }, 6);

    await workspacesChapter({ gw, organization: config.gateway.organization, clock, say, heading, expect, advance }, { who: 'alice', secret: alice.secret }, 7);

    o.out.write(`\n${ok ? paint('32', 'demo finished: every step behaved as TFE does') : paint('31', 'demo FAILED: a step did not behave as expected')}\n`);
    return ok;
  } finally {
    await services.close();
  }
}

