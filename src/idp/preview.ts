/**
 * What the gateway will make of this user's next assertion, computed with the gateway's own
 * rule (decideServiceAccount, rule F1) on the attributes the IdP would send, faults applied.
 * The IdP's admin API shows it, so a tester sees "bob will NOT be flagged: Name is
 * isServiceAccount" before logging in.
 */
import { decideServiceAccount, STRICT_POLICY, structuralFindings, type Finding } from '../saml/attribute-policy.ts';
import type { SamlAttribute } from '../saml/attributes.ts';
import { buildAssertionModel } from './assertion.ts';
import type { IdpUser } from './directory.ts';
import { applyModelFaults } from './faults.ts';

export interface ServiceAccountPreview {
  /** false also when the gateway would refuse the login outright (see findings with severity reject). */
  flagged: boolean;
  findings: Finding[];
}

const PREVIEW_SP = { entityId: 'preview', acsUrl: 'preview', sloUrl: null, signingCertificate: null, authnRequestsSigned: false };
const PREVIEW_IDS = { samlId: () => '_preview', random: () => 'preview' };

export function serviceAccountPreview(user: IdpUser): ServiceAccountPreview {
  const model = buildAssertionModel({
    user, sp: PREVIEW_SP, idpEntityId: 'preview', now: 0, ids: PREVIEW_IDS, inResponseTo: null,
    authnInstant: 0, sessionIndex: 'preview', assertionLifetime: 0, sessionNotOnOrAfter: 0,
  });
  const attributes: SamlAttribute[] = applyModelFaults(model, user.faults, { now: 0 }).attributes.map((a) => ({
    name: a.name,
    nameFormat: a.nameFormat,
    friendlyName: null,
    values: a.values.map((v) => (v === '' ? { kind: 'empty' as const } : { kind: 'text' as const, text: v })),
    statement: 0,
  }));
  const refused = structuralFindings(attributes);
  if (refused.length) return { flagged: false, findings: refused };
  return decideServiceAccount(attributes, STRICT_POLICY);
}
