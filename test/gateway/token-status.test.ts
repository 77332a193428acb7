/**
 * tokenStatus answers "will this token work, until when, since when" by asking
 * decideTokenValidity at the instants where a fact changes: it must agree with the policy at
 * every instant, never decide on its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenStatus } from '../../src/pages/token-status.ts';
import { decideTokenValidity, type TokenFacts } from '../../src/tfe/token-validity.ts';
import { facts as baseFacts, H, NOW, token, user } from '../support/token-facts.ts';

// The pages' cases start from a longer web session (8 h) than the validity table's.
const facts = (o: Partial<TokenFacts> = {}): TokenFacts => baseFacts({ webSessionLiveUntil: NOW + 8 * H, ...o });

describe('tokenStatus (the tokens pages\' "will it work?")', () => {
  it('S2: works until the web session ends, when that comes before the SSO API token timeout', () => {
    assert.deepEqual(tokenStatus(facts()), { works: true, until: NOW + 8 * H, endsBy: 'web-session-expired', exempt: null });
  });

  it('S2: works until the SSO API token timeout, when that comes first', () => {
    assert.deepEqual(tokenStatus(facts({ apiTokenTimeoutMs: 3 * H })), { works: true, until: NOW + 2 * H, endsBy: 'sso-api-token-timeout', exempt: null });
  });

  it('T5: a token expiry before both wins', () => {
    assert.deepEqual(tokenStatus(facts({ token: token({ expiredAt: NOW + H }) })), { works: true, until: NOW + H, endsBy: 'token-expired', exempt: null });
  });

  it('S3: a service account works with no limit, or until its own expiry', () => {
    const sa = user({ isServiceAccount: true, lastLoginAt: NOW - 100 * 24 * H });
    assert.deepEqual(tokenStatus(facts({ owner: sa, webSessionLiveUntil: null })), { works: true, until: null, endsBy: null, exempt: 'service-account' });
    assert.deepEqual(tokenStatus(facts({ owner: sa, webSessionLiveUntil: null, token: token({ expiredAt: NOW + H }) })), { works: true, until: NOW + H, endsBy: 'token-expired', exempt: 'service-account' });
  });

  it('T4: team and organization tokens are exempt from sessions', () => {
    assert.deepEqual(tokenStatus(facts({ token: token({ kind: 'team', ownerId: 'team-1' }), owner: undefined, webSessionLiveUntil: null })), { works: true, until: null, endsBy: null, exempt: 'team' });
    assert.deepEqual(tokenStatus(facts({ token: token({ kind: 'organization', ownerId: 'org' }), owner: undefined, webSessionLiveUntil: null })), { works: true, until: null, endsBy: null, exempt: 'organization' });
  });

  it('refused: since the SSO API token timeout passed, with the API\'s own detail', () => {
    const f = facts({ owner: user({ lastLoginAt: NOW - 30 * H }), apiTokenTimeoutMs: 24 * H });
    const s = tokenStatus(f);
    const d = decideTokenValidity(f);
    assert.ok(!d.ok);
    assert.deepEqual(s, { works: false, since: NOW - 6 * H, reason: 'sso-api-token-timeout', detail: d.detail });
  });

  it('refused: since the web session ended (an end in the past is a fact too)', () => {
    const s = tokenStatus(facts({ webSessionLiveUntil: NOW - 2 * H }));
    assert.equal(s.works, false);
    assert.ok(!s.works && s.since === NOW - 2 * H && s.reason === 'web-session-expired');
  });

  it('refused with no date when the cause has none (suspension, no session at all)', () => {
    const suspended = tokenStatus(facts({ owner: user({ isSuspended: true }) }));
    assert.ok(!suspended.works && suspended.since === null && suspended.reason === 'user-suspended');
    const none = tokenStatus(facts({ webSessionLiveUntil: null }));
    assert.ok(!none.works && none.since === null && none.reason === 'web-session-expired');
  });

  it('agrees with decideTokenValidity at every hour of two days, for every kind of owner', () => {
    const cases: Partial<TokenFacts>[] = [
      {}, { apiTokenTimeoutMs: 5 * H }, { token: token({ expiredAt: NOW + 3 * H }) }, { webSessionLiveUntil: NOW - H },
      { owner: user({ isServiceAccount: true }), webSessionLiveUntil: null, token: token({ expiredAt: NOW + 20 * H }) },
    ];
    for (const c of cases) {
      const base = facts(c);
      const s = tokenStatus(base);
      for (let t = NOW - 24 * H; t <= NOW + 24 * H; t += H) {
        const expected = decideTokenValidity({ ...base, now: t }).ok;
        // What the status predicts for instant t, from what it says at NOW.
        const predicted = s.works ? (t >= NOW ? s.until === null || t < s.until : undefined) : t >= NOW ? false : s.since === null ? undefined : t >= s.since ? false : undefined;
        if (predicted !== undefined) assert.equal(predicted, expected, `${JSON.stringify(c)} at NOW${(t - NOW) / H >= 0 ? '+' : ''}${(t - NOW) / H}h`);
      }
    }
  });
});
