/**
 * The demo's chapter on team and organization tokens (DESIGN T3, T4, T6): they keep working when
 * every SSO session has expired, and the organization's `permissions` differ per token type.
 * Runs on the demo's manual clock against the real gateway; every step checks what it shows.
 */
import { formatDuration } from '../duration.ts';
import type { SamlBrowser } from '../client/saml-browser.ts';

export interface DemoKit {
  gw: string;
  heading(text: string): void;
  say(text: string): void;
  expect(label: string, status: number, want: number, detail?: string): void;
  /** Fails the demo with a message (a step answered something unexpected). */
  fail(text: string): void;
  advance(ms: number, why: string): void;
  /** Signs the user in through the IdP and returns the page's CSRF token. */
  login(who: string): Promise<string>;
  browser(who: string): SamlBrowser;
  idleTimeoutMs: number;
  apiTokenTimeoutMs: number;
}

const ORG = 'example-org';
const SHOWN_KEYS = ['can-update', 'can-destroy', 'can-update-api-token', 'can-create-team', 'can-access-via-teams'] as const;

export async function organizationTokensChapter(k: DemoKit, chapter: number): Promise<void> {
  const api = (secret: string, path: string, init: RequestInit = {}) =>
    fetch(`${k.gw}/api/v2${path}`, { ...init, headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.api+json', ...(init.headers ?? {}) } });
  const viaSession = async (who: string, csrf: string, method: string, path: string) => {
    const res = await k.browser(who).request(method, `${k.gw}/api/v2${path}`, { headers: { 'x-csrf-token': csrf } });
    return { status: res.status, body: res.body ? JSON.parse(res.body) : {} };
  };

  k.heading(`${chapter}. Team and organization tokens: no SSO session behind them`);
  const carolCsrf = await k.login('carol');
  k.say('carol (owner of example-org, MemberOf owners) logs in via SAML');
  const aliceCsrf = await k.login('alice');
  k.say('alice (MemberOf developers) logs in via SAML');

  const teams = (await viaSession('alice', aliceCsrf, 'GET', `/organizations/${ORG}/teams`)).body.data as Array<{ id: string; attributes: { name: string } }>;
  const developers = teams.find((t) => t.attributes.name === 'developers');
  if (!developers) return k.fail('example-org has no developers team');
  const teamToken = await viaSession('alice', aliceCsrf, 'POST', `/teams/${developers.id}/authentication-token`);
  k.expect('alice POST /teams/developers/authentication-token (any member may)', teamToken.status, 201);
  const orgToken = await viaSession('carol', carolCsrf, 'POST', `/organizations/${ORG}/authentication-token`);
  k.expect('carol POST /organizations/example-org/authentication-token', orgToken.status, 201);
  const denied = await viaSession('alice', aliceCsrf, 'POST', `/organizations/${ORG}/authentication-token`);
  k.expect('alice POST /organizations/example-org/authentication-token', denied.status, 404, 'only owners manage the organization token (T2); forbidden reads as 404 (T7)');
  const userToken = await k.browser('carol').request('POST', `${k.gw}/api/v2/users/${(await viaSession('carol', carolCsrf, 'GET', '/account/details')).body.data.id}/authentication-tokens`, {
    json: { data: { type: 'authentication-tokens', attributes: { description: 'demo' } } },
    headers: { 'x-csrf-token': carolCsrf },
  });
  const secrets = {
    'carol user token': JSON.parse(userToken.body).data.attributes.token as string,
    'developers team token': teamToken.body.data.attributes.token as string,
    'organization token': orgToken.body.data.attributes.token as string,
  };

  k.say(`GET /organizations/${ORG} permissions, per token type:`);
  for (const [name, secret] of Object.entries(secrets)) {
    const res = await api(secret, `/organizations/${ORG}`);
    const perms = res.ok ? (await res.json()).data.attributes.permissions : {};
    k.say(`  ${name.padEnd(22)} ${SHOWN_KEYS.map((key) => `${key}=${perms[key] ? 'true' : 'false'}`).join(' ')}`);
  }
  const [ownerPerms, teamPerms, orgPerms] = await Promise.all(Object.values(secrets).map(async (s) => (await (await api(s, `/organizations/${ORG}`)).json()).data.attributes.permissions));
  if (!(ownerPerms['can-destroy'] && !orgPerms['can-destroy'] && orgPerms['can-update'] && !teamPerms['can-update'] && teamPerms['can-access-via-teams'])) k.fail('the permissions do not differ per token type as documented');

  k.advance(Math.max(k.idleTimeoutMs, k.apiTokenTimeoutMs) + 60_000, `past the idle timeout and sso-api-token-session-timeout (${formatDuration(k.apiTokenTimeoutMs)}): every SSO session is over`);
  const carolAfter = await api(secrets['carol user token'], '/account/details');
  k.expect('carol user token      GET /api/v2/account/details', carolAfter.status, 401, 'a user token dies with its SSO session (S2)');
  for (const name of ['developers team token', 'organization token'] as const) {
    const res = await api(secrets[name], '/account/details');
    const who = res.ok ? (await res.json()).data.relationships['authenticated-resource'].data : null;
    k.expect(`${name.padEnd(22)}GET /api/v2/account/details`, res.status, 200, who ? `synthetic service user for ${who.type} ${who.id}; not tied to any session (T4)` : undefined);
  }
  const teamsNow = await api(secrets['organization token'], `/organizations/${ORG}/teams`);
  k.expect('organization token     GET /organizations/example-org/teams', teamsNow.status, 200, 'automation keeps managing the organization');
}
