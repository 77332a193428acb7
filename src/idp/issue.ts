/**
 * Issuance pipeline: model -> faults -> serialize Assertion -> sign it -> wrap in Response ->
 * sign that -> document faults. Signing the Assertion on its own (before it is embedded) keeps
 * xml-crypto's DOM small; exc-c14n makes the signature independent of the enclosing Response.
 */
import type { FaultName } from '../config.ts';
import type { SigningCredentials } from '../saml/keys.ts';
import { signElement } from '../saml/sign.ts';
import { serializeAssertion, serializeResponse, type AssertionModel } from './assertion.ts';
import { applyDocumentFaults, applyModelFaults } from './faults.ts';

export interface IssuedResponse {
  xml: string;
  /** The model after faults: what the document says. */
  model: AssertionModel;
}

export function issueResponse(model: AssertionModel, o: { credentials: SigningCredentials; faults: readonly FaultName[]; now: number }): IssuedResponse {
  const m = applyModelFaults(model, o.faults, { now: o.now });
  let assertion = serializeAssertion(m);
  if (m.signAssertion) assertion = signElement(assertion, { credentials: o.credentials, elementLocalName: 'Assertion' });
  let response = serializeResponse(m, assertion);
  if (m.signResponse) response = signElement(response, { credentials: o.credentials, elementLocalName: 'Response' });
  return { xml: applyDocumentFaults(response, o.faults, m), model: m };
}
