/** decideTokenValidity is the one place rules S2-S4 and T4 live; this table is its specification. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSessionUserStanding, decideTokenValidity, needsWebSession, type TokenFacts } from '../../src/tfe/token-validity.ts';
import { facts, H, NOW, token, user } from '../support/token-facts.ts';

const table: Array<[string, Partial<TokenFacts>, true | string]> = [
  ['S2: live session, recent login', {}, true],
  ['S2: no live session', { webSessionLiveUntil: null }, 'web-session-expired'],
  ['S2: session ended exactly now', { webSessionLiveUntil: NOW }, 'web-session-expired'],
  ['S2: login older than sso-api-token-session-timeout', { owner: user({ lastLoginAt: NOW - 3 * H }), apiTokenTimeoutMs: 2 * H }, 'sso-api-token-timeout'],
  ['S2: login exactly at the timeout', { owner: user({ lastLoginAt: NOW - 2 * H }), apiTokenTimeoutMs: 2 * H }, 'sso-api-token-timeout'],
  ['S3: service account without session', { owner: user({ isServiceAccount: true }), webSessionLiveUntil: null }, true],
  ['S3: service account past the token timeout', { owner: user({ isServiceAccount: true, lastLoginAt: NOW - 100 * H }), apiTokenTimeoutMs: H }, true],
  ['S3: service account, token expired-at passed', { owner: user({ isServiceAccount: true }), token: token({ expiredAt: NOW }) }, 'token-expired'],
  ['S4: suspended user with live session', { owner: user({ isSuspended: true }) }, 'user-suspended'],
  ['S4: suspended service account', { owner: user({ isSuspended: true, isServiceAccount: true }) }, 'user-suspended'],
  ['T5: expired-at in the future', { token: token({ expiredAt: NOW + 1 }) }, true],
  ['owner deleted', { owner: undefined }, 'owner-missing'],
  ['T4: team token on v2 without any session', { token: token({ kind: 'team', ownerId: 'team-1' }), owner: undefined, webSessionLiveUntil: null }, true],
  ['T4: team token on v1', { token: token({ kind: 'team', ownerId: 'team-1' }), owner: undefined, api: 'v1' }, 'api-not-allowed'],
  ['T4: organization token on v1', { token: token({ kind: 'organization', ownerId: 'example-org' }), owner: undefined, api: 'v1' }, 'api-not-allowed'],
  ['T4: user token on v1 follows S2', { api: 'v1', webSessionLiveUntil: null }, 'web-session-expired'],
];

describe('decideTokenValidity', () => {
  for (const [name, input, expected] of table) {
    it(name, () => {
      const decision = decideTokenValidity(facts(input));
      if (expected === true) assert.deepEqual(decision, { ok: true });
      else {
        assert.equal(decision.ok, false);
        if (!decision.ok) assert.equal(decision.reason, expected);
      }
    });
  }

  it('the session-expired detail says why and where to log in again', () => {
    const d = decideTokenValidity(facts({ webSessionLiveUntil: null }));
    assert.ok(!d.ok);
    assert.match(d.detail, /SSO session of user alice has expired.*log in again at http:\/\/gw\/session/);
  });

  it('needsWebSession: only user tokens of users who are not service accounts', () => {
    assert.equal(needsWebSession(token(), user()), true);
    assert.equal(needsWebSession(token(), user({ isServiceAccount: true })), false);
    assert.equal(needsWebSession(token({ kind: 'team' }), undefined), false);
  });
});

describe('decideSessionUserStanding (capability URLs minted by a browser session)', () => {
  const base = { now: NOW, webSessionLiveUntil: NOW + H, loginUrl: 'http://gw/session' };
  const cases: Array<[string, Parameters<typeof decideSessionUserStanding>[0], true | string]> = [
    ['live web session', { ...base, user: user() }, true],
    ['S2: the web session ended', { ...base, user: user(), webSessionLiveUntil: null }, 'web-session-expired'],
    ['S2: no S3 exemption, the credential was the session', { ...base, user: user({ isServiceAccount: true }), webSessionLiveUntil: null }, 'web-session-expired'],
    ['S2: no token timeout for a session', { ...base, user: user({ lastLoginAt: NOW - 100 * 24 * H }) }, true],
    ['S4: suspended', { ...base, user: user({ isSuspended: true }) }, 'user-suspended'],
    ['user deleted', { ...base, user: undefined }, 'owner-missing'],
  ];
  for (const [name, f, expected] of cases) {
    it(name, () => {
      const d = decideSessionUserStanding(f);
      if (expected === true) assert.deepEqual(d, { ok: true });
      else assert.equal(d.ok === false && d.reason, expected);
    });
  }
});
