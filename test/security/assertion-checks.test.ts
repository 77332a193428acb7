/** SP-SECURITY 10.2 step 7: STATUS, ISS, DEST, AUD, RCPT, SUBJ, TIME, SKEW, AUTHN, COND on the signed assertion. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { craft, NOW, rejects, verifyXml } from './harness.ts';
import { SP } from '../support/craft-response.ts';

const at = (deltaMs: number) => new Date(NOW + deltaMs).toISOString();
const MIN = 60_000;
const HOUR = 3600_000;

test('STATUS: a non-Success status is refused with the IdP code and message in the detail', async () => {
  const r = await rejects(
    verifyXml(craft({ statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder', subStatusCode: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed', statusMessage: 'user cancelled' })),
    'E_STATUS',
  );
  assert.match(r.detail, /Responder/);
  assert.match(r.detail, /AuthnFailed/);
  assert.match(r.detail, /user cancelled/);
  // IdP error responses carry no assertion: the status, not the missing assertion, is reported.
  const noAssertion = craft({ signAssertion: false, statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Requester' }).replace(/<saml:Assertion[\s\S]*<\/saml:Assertion>/, '');
  await rejects(verifyXml(noAssertion), 'E_STATUS');
});

test('ISS1: an assertion issued by another IdP is refused', async () => {
  await rejects(verifyXml(craft({ assertionIssuer: 'https://evil.example/idp' })), 'E_ISSUER', /evil\.example/);
});

test('ISS2: a Response Issuer that is not the trusted IdP is refused', async () => {
  await rejects(verifyXml(craft({ responseIssuer: 'https://evil.example/idp' })), 'E_ISSUER', /Response Issuer/);
  await rejects(verifyXml(craft({ responseIssuer: 'https://evil.example/idp', signResponse: {} })), 'E_ISSUER');
});

test('DEST1: a Destination other than this ACS is refused', async () => {
  await rejects(verifyXml(craft({ destination: 'https://other-sp.example/acs' })), 'E_DESTINATION', /other-sp/);
  await rejects(verifyXml(craft({ destination: 'https://other-sp.example/acs', signResponse: {} })), 'E_DESTINATION');
});

test('DEST2: a signed Response without Destination is refused; an unsigned one may omit it', async () => {
  await rejects(verifyXml(craft({ destination: null, signResponse: {} })), 'E_DESTINATION', /no Destination/);
  const login = await verifyXml(craft({ destination: null }));
  assert.equal(login.nameId, 'alice@example.com');
});

test('AUD1: an assertion for another SP is refused with a detail that says what to fix', async () => {
  const r = await rejects(verifyXml(craft({ audiences: [['https://x/metadata']] })), 'E_AUDIENCE');
  assert.match(r.detail, /assertion audience is `https:\/\/x\/metadata`, expected `http:\/\/localhost:8080\/users\/saml\/metadata`/);
  await rejects(verifyXml(craft({ audiences: [[SP.entityId + '/']] })), 'E_AUDIENCE');
});

test('AUD2: every AudienceRestriction must include this SP (two restrictions, one wrong)', async () => {
  await rejects(verifyXml(craft({ audiences: [[SP.entityId], ['https://other-sp.example']] })), 'E_AUDIENCE', /every AudienceRestriction/);
  const ok = await verifyXml(craft({ audiences: [[SP.entityId, 'https://other'], [SP.entityId]] }));
  assert.equal(ok.nameId, 'alice@example.com');
});

test('AUD3: an assertion without AudienceRestriction is refused', async () => {
  await rejects(verifyXml(craft({ audiences: [] })), 'E_AUDIENCE', /no AudienceRestriction/);
});

test('RCPT1: a SubjectConfirmationData Recipient other than this ACS is refused', async () => {
  await rejects(verifyXml(craft({ recipient: 'https://other-sp.example/acs' })), 'E_RECIPIENT');
  await rejects(verifyXml(craft({ recipient: null })), 'E_RECIPIENT');
});

test('SUBJ4: a SubjectConfirmation Method other than bearer (holder-of-key) is refused', async () => {
  await rejects(verifyXml(craft({ confirmationMethod: 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key' })), 'E_SUBJECT', /bearer/);
});

test('SUBJ1-3: a missing, empty or malformed NameID, or one for another SP, is refused', async () => {
  await rejects(verifyXml(craft({ nameId: null })), 'E_SUBJECT', /no NameID/);
  await rejects(verifyXml(craft({ nameId: '' })), 'E_SUBJECT', /empty/);
  await rejects(verifyXml(craft({ nameId: '  ' })), 'E_SUBJECT', /empty/);
  await rejects(verifyXml(craft({ nameId: 'alice' })), 'E_SUBJECT', /not an email/);
  await rejects(verifyXml(craft({ spNameQualifier: 'https://other-sp.example' })), 'E_SUBJECT', /SPNameQualifier/);
});

test('TIME3: a bearer SubjectConfirmationData without NotOnOrAfter is refused; an expired one too', async () => {
  await rejects(verifyXml(craft({ scdNotOnOrAfter: null })), 'E_SUBJECT', /NotOnOrAfter/);
  await rejects(verifyXml(craft({ scdNotOnOrAfter: at(-2 * MIN) })), 'E_TIME', /SubjectConfirmationData NotOnOrAfter/);
});

test('TIME4: a bearer SubjectConfirmationData with NotBefore is refused', async () => {
  await rejects(verifyXml(craft({ scdNotBefore: at(-MIN) })), 'E_SUBJECT', /NotBefore/);
});

test('TIME5: an assertion without Conditions is refused', async () => {
  await rejects(verifyXml(craft({ omitConditions: true })), 'E_TIME', /no Conditions/);
});

test('TIME6: two Conditions elements are refused', async () => {
  await rejects(verifyXml(craft({ assertionTail: `<saml:Conditions NotOnOrAfter="${at(HOUR)}"/>` })), 'E_SCHEMA', /Conditions/);
});

test('TIME7: expired Conditions are refused', async () => {
  await rejects(verifyXml(craft({ notBefore: at(-10 * MIN), notOnOrAfter: at(-2 * MIN) })), 'E_TIME', /expired/);
  await rejects(verifyXml(craft(), { clock: new ManualClock(NOW + 7 * MIN) }), 'E_TIME');
});

test('TIME7: a not-yet-valid assertion is refused', async () => {
  await rejects(verifyXml(craft({ notBefore: at(2 * MIN) })), 'E_TIME', /not valid before/);
});

test('SKEW1: time limits within the clock skew are accepted, symmetrically', async () => {
  const early = await verifyXml(craft({ notBefore: at(30_000), issueInstant: at(30_000), responseIssueInstant: at(30_000), authnInstant: at(20_000) }));
  assert.equal(early.nameId, 'alice@example.com');
  const late = await verifyXml(craft({ notBefore: at(-10 * MIN), notOnOrAfter: at(-30_000), scdNotOnOrAfter: at(-30_000) }));
  assert.equal(late.nameId, 'alice@example.com');
  await rejects(verifyXml(craft({ notBefore: at(30_000) }), { clockSkewMs: 0 }), 'E_TIME');
});

test('TIME8: timestamps that are not UTC with Z are refused', async () => {
  await rejects(verifyXml(craft({ notOnOrAfter: '2026-03-02T10:05:00+00:00' })), 'E_TIME', /UTC/);
  await rejects(verifyXml(craft({ notOnOrAfter: '2026-03-02T10:05:00' })), 'E_TIME');
  await rejects(verifyXml(craft({ authnInstant: '2026-03-02T09:59:00+01:00' })), 'E_TIME');
  await rejects(verifyXml(craft({ notOnOrAfter: '2026-02-30T10:05:00Z' })), 'E_TIME');
});

test('TIME9: an IssueInstant in the future beyond the skew is refused', async () => {
  await rejects(verifyXml(craft({ issueInstant: at(5 * MIN) })), 'E_TIME', /IssueInstant/);
  await rejects(verifyXml(craft({ responseIssueInstant: at(5 * MIN) })), 'E_TIME', /Response IssueInstant/);
});

test('TIME10: an assertion lifetime above the cap is refused', async () => {
  await rejects(verifyXml(craft({ notOnOrAfter: at(48 * HOUR) })), 'E_TIME', /lifetime/);
  await rejects(verifyXml(craft({ scdNotOnOrAfter: at(48 * HOUR) })), 'E_TIME', /lifetime/);
});

test('AUTHN1: an assertion without AuthnStatement is refused', async () => {
  await rejects(verifyXml(craft({ omitAuthnStatement: true })), 'E_AUTHN');
});

test('AUTHN2: an AuthnInstant older than the cap, or in the future, is refused', async () => {
  await rejects(verifyXml(craft({ authnInstant: at(-25 * HOUR) })), 'E_TIME', /authenticated at/);
  await rejects(verifyXml(craft({ authnInstant: at(10 * MIN) })), 'E_TIME', /future/);
});

test('SESSION: a SessionNotOnOrAfter already passed is refused', async () => {
  await rejects(verifyXml(craft({ sessionNotOnOrAfter: at(-5 * MIN) })), 'E_TIME', /SessionNotOnOrAfter/);
});

test('COND1: an unknown condition is refused; OneTimeUse is honoured (REPLAY4)', async () => {
  await rejects(verifyXml(craft({ conditionsExtra: '<saml:Condition xsi:type="x:Custom" xmlns:x="urn:x"/>' })), 'E_CONDITIONS');
  await rejects(verifyXml(craft({ conditionsExtra: '<x:Whatever xmlns:x="urn:x"/>' })), 'E_CONDITIONS');
  const login = await verifyXml(craft({ conditionsExtra: '<saml:OneTimeUse/>' }));
  assert.equal(login.nameId, 'alice@example.com');
});
