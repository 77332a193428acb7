/** SP-SECURITY 10.2 step 8: InResponseTo binding (IRT1-5), unsolicited responses, replay (REPLAY1-3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyLoginResponse } from '../../src/sp/acs.ts';
import { craft, encode, options, REQUEST_ID, rejects, verifyXml } from './harness.ts';

test('IRT1: a response to a request this browser did not send is refused', async () => {
  await rejects(verifyXml(craft(), {}, ['_some-other-request']), 'E_IN_RESPONSE_TO', /did not send/);
  await rejects(verifyXml(craft(), {}, []), 'E_IN_RESPONSE_TO', /no login is pending/);
});

test('IRT2: Response and SubjectConfirmationData InResponseTo that disagree are refused', async () => {
  await rejects(verifyXml(craft({ scdInResponseTo: '_req-other' }), {}, [REQUEST_ID, '_req-other']), 'E_IN_RESPONSE_TO', /must agree/);
});

test('IRT3: an unsolicited response is refused unless IdP-initiated login is enabled', async () => {
  await rejects(verifyXml(craft({ inResponseTo: null })), 'E_UNSOLICITED');
  const login = await verifyXml(craft({ inResponseTo: null }), { allowUnsolicited: true });
  assert.equal(login.inResponseTo, null);
});

test('IRT4: an InResponseTo only on the unsigned Response does not make an assertion solicited', async () => {
  await rejects(verifyXml(craft({ scdInResponseTo: null })), 'E_UNSOLICITED', /signed content/);
  const signed = await verifyXml(craft({ scdInResponseTo: null, signResponse: {} }));
  assert.equal(signed.inResponseTo, REQUEST_ID);
});

test('IRT5: the verified InResponseTo is returned so the caller can consume the request ID', async () => {
  const login = await verifyXml(craft(), {}, ['_a', REQUEST_ID]);
  assert.equal(login.inResponseTo, REQUEST_ID);
});

test('REPLAY1: the same assertion is accepted once', async () => {
  const opts = options();
  const encoded = encode(craft());
  await verifyLoginResponse(encoded, [REQUEST_ID], opts);
  await rejects(verifyLoginResponse(encoded, [REQUEST_ID], opts), 'E_REPLAY', /already used/);
});

test('REPLAY2: a rejected document does not burn its assertion ID', async () => {
  const opts = options();
  await rejects(verifyLoginResponse(encode(craft({ destination: 'https://wrong.example/acs' })), [REQUEST_ID], opts), 'E_DESTINATION');
  const login = await verifyLoginResponse(encode(craft()), [REQUEST_ID], opts);
  assert.equal(login.assertionId, '_assert-0001');
});

test('REPLAY3: the replay entry lives at least until NotOnOrAfter plus skew', async () => {
  const claims: Array<{ key: string; expiresAt: number }> = [];
  const opts = options({ replay: { claim: async (key, expiresAt) => (claims.push({ key, expiresAt }), true), purgeExpired: async () => 0 } });
  await verifyLoginResponse(encode(craft()), [REQUEST_ID], opts);
  assert.deepEqual(claims, [{ key: 'assertion:http://localhost:7000/metadata:_assert-0001', expiresAt: Date.parse('2026-03-02T10:05:00.000Z') + 60_000 }]);
});
