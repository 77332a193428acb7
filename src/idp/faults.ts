/**
 * Deliberate IdP misconfigurations, one small named function each, plugged into the single
 * shaping point of issuance (STYLE: crewjam's AssertionMaker). Most transform the assertion
 * model before serialization; `bad-signature` acts on the signed document.
 *
 * The sa-* faults reproduce the near-misses of rule F1 (DESIGN 1) that the gateway and the
 * validator must recognise; they only touch an IsServiceAccount attribute the user already has.
 */
import type { FaultName } from '../config.ts';
import { ATTR, ATTRNAME_FORMAT } from '../saml/constants.ts';
import type { AssertionModel, AttributeModel } from './assertion.ts';

export interface FaultContext {
  now: number;
}

export interface Fault {
  name: FaultName;
  description: string;
  /** Shapes the model before serialization. */
  model?: (m: AssertionModel, ctx: FaultContext) => AssertionModel;
  /** Acts on the serialized, signed Response. */
  document?: (xml: string, m: AssertionModel) => string;
}

/** Far enough in the past that no sensible clock-skew allowance accepts it. */
export const EXPIRED_BY_MS = 10 * 60 * 1000;

/** Where the `wrong-audience` fault sends the assertion. */
export const WRONG_AUDIENCE = 'https://wrong-audience.invalid/saml/metadata';
/** `not-yet-valid`: NotBefore this far in the future, beyond any sensible skew allowance. */
export const NOT_YET_VALID_BY_MS = 10 * 60 * 1000;
export const WRONG_RECIPIENT = 'https://wrong-recipient.invalid/saml/acs';
export const WRONG_DESTINATION = 'https://wrong-destination.invalid/saml/acs';
export const WRONG_ISSUER = 'https://wrong-issuer.invalid/metadata';

function mapServiceAccount(m: AssertionModel, f: (a: AttributeModel) => AttributeModel): AssertionModel {
  return { ...m, attributes: m.attributes.map((a) => (a.name === ATTR.isServiceAccount ? f(a) : a)) };
}

const capitalize = (v: string) => (v === '' ? v : v[0]!.toUpperCase() + v.slice(1).toLowerCase());

export const FAULTS: Record<FaultName, Fault> = {
  'sa-name-lowercase': {
    name: 'sa-name-lowercase',
    description: 'IsServiceAccount is sent as isServiceAccount (TFE matches the Name exactly)',
    model: (m) => mapServiceAccount(m, (a) => ({ ...a, name: 'isServiceAccount' })),
  },
  'sa-nameformat-uri': {
    name: 'sa-nameformat-uri',
    description: 'IsServiceAccount has NameFormat uri instead of basic',
    model: (m) => mapServiceAccount(m, (a) => ({ ...a, nameFormat: ATTRNAME_FORMAT.uri })),
  },
  'sa-nameformat-unspecified': {
    name: 'sa-nameformat-unspecified',
    description: 'IsServiceAccount has NameFormat unspecified instead of basic',
    model: (m) => mapServiceAccount(m, (a) => ({ ...a, nameFormat: ATTRNAME_FORMAT.unspecified })),
  },
  'sa-nameformat-absent': {
    name: 'sa-nameformat-absent',
    description: 'IsServiceAccount has no NameFormat',
    model: (m) => mapServiceAccount(m, (a) => ({ ...a, nameFormat: null })),
  },
  'sa-value-capitalized': {
    name: 'sa-value-capitalized',
    description: 'IsServiceAccount is True (still flags: TFE reads the value case-insensitively, rule F1)',
    model: (m) => mapServiceAccount(m, (a) => ({ ...a, values: a.values.map(capitalize) })),
  },
  'sa-value-one': {
    name: 'sa-value-one',
    description: 'IsServiceAccount is 1 (0 for false) instead of true',
    model: (m) => mapServiceAccount(m, (a) => ({ ...a, values: a.values.map((v) => (v.toLowerCase() === 'true' ? '1' : v.toLowerCase() === 'false' ? '0' : v)) })),
  },
  'sa-value-empty': {
    name: 'sa-value-empty',
    description: 'IsServiceAccount has an empty AttributeValue',
    model: (m) => mapServiceAccount(m, (a) => ({ ...a, values: [''] })),
  },
  unsigned: {
    name: 'unsigned',
    description: 'neither the Response nor the Assertion is signed',
    model: (m) => ({ ...m, signAssertion: false, signResponse: false }),
  },
  'bad-signature': {
    name: 'bad-signature',
    description: 'the NameID is changed after signing, so no signature verifies (with an encrypted Assertion, the Response Issuer is changed instead)',
    document: (xml) =>
      /<saml:NameID\b/.test(xml)
        ? xml.replace(/(<saml:NameID\b[^>]*>)[^<]*(<\/saml:NameID>)/, '$1mallory@example.com$2')
        : xml.replace(/(<saml:Issuer>)([^<]*)(<\/saml:Issuer>)/, '$1$2.tampered$3'),
  },
  expired: {
    name: 'expired',
    description: `Conditions and SubjectConfirmationData NotOnOrAfter lie ${EXPIRED_BY_MS / 60000} minutes in the past`,
    model: (m, ctx) => {
      const lifetime = Math.max(m.notOnOrAfter - m.notBefore, 60_000);
      const end = ctx.now - EXPIRED_BY_MS;
      return { ...m, notBefore: end - lifetime, notOnOrAfter: end, subjectNotOnOrAfter: end };
    },
  },
  'wrong-audience': {
    name: 'wrong-audience',
    description: `the Audience is ${WRONG_AUDIENCE} instead of the SP's entity ID`,
    model: (m) => ({ ...m, audience: WRONG_AUDIENCE }),
  },
  'no-session-not-on-or-after': {
    name: 'no-session-not-on-or-after',
    description: 'the AuthnStatement has no SessionNotOnOrAfter',
    model: (m) => ({ ...m, sessionNotOnOrAfter: null }),
  },
  'signature-sha1': {
    name: 'signature-sha1',
    description: 'signatures use RSA-SHA1 with a SHA-1 digest (deprecated: RFC 6194; SPs should refuse)',
    model: (m) => ({ ...m, signatureAlgorithm: 'rsa-sha1' }),
  },
  'encryption-aes-cbc': {
    name: 'encryption-aes-cbc',
    description: "the Assertion is encrypted with AES-256-CBC (no integrity: padding oracles) instead of AES-256-GCM, even if the SP's settings do not ask for encryption",
    model: (m) => ({ ...m, encryption: 'aes-256-cbc' }),
  },
  'not-yet-valid': {
    name: 'not-yet-valid',
    description: `Conditions NotBefore lies ${NOT_YET_VALID_BY_MS / 60000} minutes in the future`,
    model: (m, ctx) => ({ ...m, notBefore: ctx.now + NOT_YET_VALID_BY_MS, notOnOrAfter: Math.max(m.notOnOrAfter, ctx.now + 2 * NOT_YET_VALID_BY_MS) }),
  },
  'wrong-recipient': {
    name: 'wrong-recipient',
    description: `SubjectConfirmationData Recipient is ${WRONG_RECIPIENT} instead of the SP's ACS`,
    model: (m) => ({ ...m, recipient: WRONG_RECIPIENT }),
  },
  'wrong-destination': {
    name: 'wrong-destination',
    description: `the Response Destination is ${WRONG_DESTINATION} instead of the SP's ACS`,
    model: (m) => ({ ...m, destination: WRONG_DESTINATION }),
  },
  'wrong-issuer': {
    name: 'wrong-issuer',
    description: `the Response and Assertion Issuer is ${WRONG_ISSUER} instead of the IdP's entity ID`,
    model: (m) => ({ ...m, issuer: WRONG_ISSUER }),
  },
};

export function applyModelFaults(m: AssertionModel, names: readonly FaultName[], ctx: FaultContext): AssertionModel {
  let out = m;
  for (const name of names) {
    const fault = FAULTS[name];
    if (fault.model) out = fault.model(out, ctx);
  }
  return out;
}

export function applyDocumentFaults(xml: string, names: readonly FaultName[], m: AssertionModel): string {
  let out = xml;
  for (const name of names) {
    const fault = FAULTS[name];
    if (fault.document) out = fault.document(out, m);
  }
  return out;
}
