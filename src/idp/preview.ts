/**
 * What the gateway will make of this user's next assertion, computed with the gateway's own
 * rule (decideServiceAccount, rule F1) on the attributes the IdP would send, faults applied.
 * The IdP's admin API, login page and directory show it, so a tester sees "bob will NOT be
 * flagged: Name is isServiceAccount" before logging in.
 */
import type { FaultName } from '../config.ts';
import { decideServiceAccount, STRICT_POLICY, structuralFindings, type Finding } from '../saml/attribute-policy.ts';
import type { SamlAttribute } from '../saml/attributes.ts';
import type { AttributeModel } from './assertion.ts';
import { buildAssertionModel, type AssertionModel } from './assertion.ts';
import type { IdpUser } from './directory.ts';
import { applyModelFaults } from './faults.ts';
import { resolveSpSettings, type SpSettings } from './sp-settings.ts';

export interface ServiceAccountPreview {
  /** false also when the gateway would refuse the login outright (see findings with severity reject). */
  flagged: boolean;
  findings: Finding[];
}

const PREVIEW_SP = { entityId: 'preview', acsUrl: 'preview', sloUrl: null, signingCertificate: null, authnRequestsSigned: false };
const PREVIEW_IDS = { samlId: () => '_preview', random: () => 'preview' };
const DEFAULT_SETTINGS = resolveSpSettings({}, { assertionLifetime: 0, sessionNotOnOrAfter: 0 });

/** The assertion model the IdP would issue now (faults applied), for previews only. */
export function previewModel(o: { user: IdpUser; faults: readonly FaultName[]; settings?: SpSettings; sp?: { entityId: string; acsUrl: string }; idpEntityId?: string; now?: number }): AssertionModel {
  const now = o.now ?? 0;
  const model = buildAssertionModel({
    user: o.user,
    sp: o.sp ? { ...PREVIEW_SP, ...o.sp } : PREVIEW_SP,
    idpEntityId: o.idpEntityId ?? 'preview',
    now,
    ids: PREVIEW_IDS,
    inResponseTo: null,
    authnInstant: now,
    sessionIndex: 'preview',
    settings: o.settings ?? DEFAULT_SETTINGS,
  });
  return applyModelFaults(model, o.faults, { now });
}

export function readServiceAccount(attributes: readonly AttributeModel[]): ServiceAccountPreview {
  const samlAttributes: SamlAttribute[] = attributes.map((a) => ({
    name: a.name,
    nameFormat: a.nameFormat,
    friendlyName: null,
    values: a.values.map((v) => (v === '' ? { kind: 'empty' as const } : { kind: 'text' as const, text: v })),
    statement: 0,
  }));
  const refused = structuralFindings(samlAttributes);
  if (refused.length) return { flagged: false, findings: refused };
  return decideServiceAccount(samlAttributes, STRICT_POLICY);
}

export function serviceAccountPreview(user: IdpUser): ServiceAccountPreview {
  return readServiceAccount(previewModel({ user, faults: [...user.faults, ...(user.nextFaults?.faults ?? [])] }).attributes);
}
