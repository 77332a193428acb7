import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signState, stateKey, verifyState } from '../../src/http/signed-state.ts';

const SECRET = 'x'.repeat(48);
const NOW = Date.parse('2026-12-01T10:00:00.000Z');

describe('signed state (compact JWS, HS256, on the caller\'s clock)', () => {
  it('round-trips the claims and reports the expiry', async () => {
    const key = stateKey(SECRET, 'test');
    const token = await signState(key, { sp: 'https://sp.example', rid: null, n: 3, b: true }, 60_000, NOW);
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.deepEqual(await verifyState(key, token, NOW + 59_000), { ok: true, claims: { sp: 'https://sp.example', rid: null, n: 3, b: true }, expiresAt: NOW + 60_000 });
  });

  it('expires at now + ttl on the given clock, not the wall clock', async () => {
    const key = stateKey(SECRET, 'test');
    const token = await signState(key, { a: 1 }, 60_000, NOW);
    assert.deepEqual(await verifyState(key, token, NOW + 60_000), { ok: false, reason: 'expired' });
  });

  it('a token of another purpose, another secret, altered, unsigned or garbage is invalid', async () => {
    const key = stateKey(SECRET, 'test');
    const token = await signState(key, { a: 1 }, 60_000, NOW);
    const [h, p, s] = token.split('.') as [string, string, string];
    const altered = `${h}.${Buffer.from(JSON.stringify({ a: 2, iat: 0, exp: 9e9 })).toString('base64url')}.${s}`;
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    for (const [what, k, t] of [
      ['other purpose', stateKey(SECRET, 'other'), token],
      ['other secret', stateKey('y'.repeat(48), 'test'), token],
      ['altered', key, altered],
      ['alg none', key, none],
      ['garbage', key, 'not-a-token'],
      ['empty', key, ''],
      ['huge', key, 'a'.repeat(10_000)],
    ] as const) {
      assert.deepEqual(await verifyState(k, t, NOW), { ok: false, reason: 'invalid' }, what);
    }
  });

  it('refuses reserved claim names, a short ttl and a short secret (programming errors)', async () => {
    const key = stateKey(SECRET, 'test');
    await assert.rejects(signState(key, { exp: 1 }, 60_000, NOW), /claim exp is set by signState/);
    await assert.rejects(signState(key, { a: 1 }, 10, NOW), /at least one second/);
    assert.throws(() => stateKey('short', 'test'), /at least 32 characters/);
  });
});
