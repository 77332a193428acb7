/**
 * Issuance pipeline: model -> faults -> serialize Assertion -> sign it -> encrypt it (when the SP
 * asks, or a fault does) -> wrap in Response -> sign that -> document faults. Signing the
 * Assertion on its own (before it is embedded) keeps the DOM small; exc-c14n makes the signature
 * independent of the enclosing Response. Sign-then-encrypt, as SAML core 6.2 expects: the SP
 * decrypts, then verifies the Assertion's own signature.
 */
import type { FaultName } from '../config.ts';
import { encryptElement } from '../saml/encrypt.ts';
import type { Certificate, SigningCredentials } from '../saml/keys.ts';
import { signElement } from '../saml/sign.ts';
import { serializeAssertion, serializeResponse, type AssertionModel } from './assertion.ts';
import { applyDocumentFaults, applyModelFaults } from './faults.ts';
import { SamlgateError } from '../errors.ts';

export interface IssuedResponse {
  xml: string;
  /** The model after faults: what the document says. */
  model: AssertionModel;
  /** The (signed) Assertion before encryption: what the inspector shows for encrypted responses. */
  assertionXml: string;
}

export class IssuanceError extends SamlgateError {
  readonly code = 'ERR_ISSUANCE';
  readonly kind = 'usage';
}

export function issueResponse(
  model: AssertionModel,
  o: { credentials: SigningCredentials; faults: readonly FaultName[]; now: number; encryptionCertificate: Certificate | null; randomBytes?: (n: number) => Buffer },
): IssuedResponse {
  const m = applyModelFaults(model, o.faults, { now: o.now });
  let assertion = serializeAssertion(m);
  if (m.signAssertion) assertion = signElement(assertion, { credentials: o.credentials, elementLocalName: 'Assertion', algorithm: m.signatureAlgorithm });
  let carried = assertion;
  if (m.encryption) {
    if (!o.encryptionCertificate) {
      throw new IssuanceError(`the assertion for ${m.audience} should be encrypted, but the SP has no encryption certificate: register metadata with a KeyDescriptor use="encryption" (or set encryptionCert), or turn encryptAssertion off`);
    }
    carried = `<saml:EncryptedAssertion>${encryptElement(assertion, { certificate: o.encryptionCertificate, algorithm: m.encryption, randomBytes: o.randomBytes })}</saml:EncryptedAssertion>`;
  }
  let response = serializeResponse(m, carried);
  if (m.signResponse) response = signElement(response, { credentials: o.credentials, elementLocalName: 'Response', algorithm: m.signatureAlgorithm });
  return { xml: applyDocumentFaults(response, o.faults, m), model: m, assertionXml: assertion };
}
