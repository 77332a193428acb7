/**
 * The HS256 compact JWS of src/http/hs256-jws.ts (issue 15: jose's WebCrypto path was ~14% of an
 * anonymous GET /session) must read what jose wrote before it (cookies in browsers at upgrade
 * time), write what jose reads, and refuse every header but its own (RFC 8725 3.1).
 */
import assert from 'node:assert/strict';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { jwtVerify, SignJWT } from 'jose';
import { hs256Header, signHs256, verifyHs256 } from '../../src/http/hs256-jws.ts';
import { signState, stateKey, verifyState } from '../../src/http/signed-state.ts';

const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const raw = randomBytes(32);
const key = createSecretKey(raw);
const TYP = 'samlgate-pending+jwt';
/** The MAC as RFC 7515 5.1 computes it, to forge well-MACed tokens of the wrong shape. */
const macOf = (input: string) => createHmac('sha256', raw).update(input, 'ascii').digest('base64url');

describe('HS256 compact JWS on node:crypto', () => {
  it('reads tokens jose minted and jose reads the tokens it mints (Buffer or KeyObject key)', async () => {
    const byJose = await new SignJWT({ p: [{ id: '_x', rs: 'r', rt: '/', until: 1 }] }).setProtectedHeader({ alg: 'HS256', typ: TYP }).setIssuedAt(100).setExpirationTime(200).sign(key);
    for (const k of [raw, key]) {
      const v = verifyHs256(k, hs256Header(TYP), byJose);
      assert.ok(v.ok);
      assert.deepEqual(v.payload, { p: [{ id: '_x', rs: 'r', rt: '/', until: 1 }], iat: 100, exp: 200 });
    }
    const ours = signHs256(raw, hs256Header(TYP), { a: 1, iat: 100, exp: 4_000_000_000 });
    assert.equal((await jwtVerify(ours, key, { algorithms: ['HS256'], typ: TYP })).payload.a, 1);
  });

  it('signed-state tokens jose minted before the switch still verify, and expire as before', async () => {
    const sk = stateKey('s'.repeat(40), 'test purpose');
    const old = await new SignJWT({ who: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(1_000).setExpirationTime(2_000).sign(sk);
    assert.deepEqual(await verifyState(sk, old, 1_500_000), { ok: true, claims: { who: 'alice' }, expiresAt: 2_000_000 });
    assert.deepEqual(await verifyState(sk, old, 2_000_000), { ok: false, reason: 'expired' });
    const fresh = await signState(sk, { who: 'bob' }, 60_000, 1_000_000);
    assert.equal((await jwtVerify(fresh, sk, { algorithms: ['HS256'], currentDate: new Date(1_000_000) })).payload.who, 'bob');
  });

  it('refuses any other header (none, RS256, another typ, an extra member, other spacing), a non-canonical MAC encoding, and a payload that is not an object', () => {
    const header = hs256Header(TYP);
    const good = signHs256(raw, header, { a: 1 });
    const [, payload, mac] = good.split('.') as [string, string, string];
    const forgedHeaders = [{ alg: 'none', typ: TYP }, { alg: 'RS256', typ: TYP }, { alg: 'HS256', typ: 'other' }, { alg: 'HS256', typ: TYP, kid: 'x' }, { alg: 'HS256' }];
    for (const h of forgedHeaders) {
      const other = b64url(JSON.stringify(h));
      // Even with a valid MAC over the forged header: the header itself is refused.
      const resigned = signHs256(raw, other, { a: 1 });
      assert.equal(verifyHs256(raw, header, resigned).ok, false, JSON.stringify(h));
    }
    assert.equal(verifyHs256(raw, header, `${b64url(`{"alg": "HS256", "typ": "${TYP}"}`)}.${payload}.${mac}`).ok, false);
    assert.equal(verifyHs256(raw, header, `${header}.${payload}.${mac}=`).ok, false, 'padding');
    assert.equal(verifyHs256(raw, header, `${header}.${payload}.${mac}.`).ok, false, 'a fourth part');
    assert.equal(verifyHs256(raw, header, `${header}.${payload}.`).ok, false, 'no MAC');
    assert.equal(verifyHs256(randomBytes(32), header, good).ok, false, 'another key');
    // Well MACed with the right key: the payload's shape, not the MAC, is what refuses these.
    for (const body of ['[1]', '"s"', 'null', '{bad json']) {
      const input = `${header}.${b64url(body)}`;
      assert.equal(verifyHs256(raw, header, `${input}.${macOf(input)}`).ok, false, body);
    }
    assert.ok(verifyHs256(raw, header, `${header}.${payload}.${macOf(`${header}.${payload}`)}`).ok, 'the same construction verifies a good payload');
  });
});

describe('HS256 verify on input that is not a string', () => {
  it('regression: a value that is not a string is refused as invalid, never thrown', () => {
    const header = hs256Header('x');
    for (const value of [undefined, null, 42, ['a.b.c'], { token: 'a.b.c' }]) {
      assert.deepEqual(verifyHs256(Buffer.alloc(32, 1), header, value as unknown as string), { ok: false, reason: 'invalid' });
    }
  });
});
