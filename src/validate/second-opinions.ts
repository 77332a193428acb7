/**
 * Second opinions on a response: what samlify (the SAML library samlgate was first designed
 * around) makes of it, including how it reads the attributes - it zips Attribute Names and
 * AttributeValue texts by position (SP-SECURITY 10.4), so a shifted map is worth reporting - and,
 * when xmlsec1 is installed, whether libxmlsec verifies each signature with the IdP key (xmlsec.ts).
 * Both are optional: samlify is a development dependency, xmlsec1 a system package; when either
 * is missing the report says so.
 */
import type { KeyObject } from 'node:crypto';
import type { SamlAttribute } from '../saml/attributes.ts';
import type { Certificate } from '../saml/keys.ts';
import { idpMetadataXml } from '../saml/metadata.ts';
import { whyOf, type Finding } from '../saml/verify/findings.ts';

export interface SamlifyOpinion {
  available: boolean;
  accepted: boolean | null;
  error: string | null;
  /** samlify's extract.attributes, as it read them. */
  attributes: Record<string, unknown> | null;
}

export { xmlsecOpinion, type XmlsecOpinion } from './xmlsec.ts';

/**
 * samlify warns on the console about settings it dislikes; its opinion runs quietly. Reports of a
 * batch run concurrently, so the original console.warn is saved by the first and restored by the
 * last (saving it per call would let an overlapping call "restore" the silenced one for good).
 */
let quiet = 0;
let savedWarn: typeof console.warn = console.warn;
function silenceWarnings(): () => void {
  if (quiet++ === 0) {
    savedWarn = console.warn;
    console.warn = () => {};
  }
  return () => {
    if (--quiet === 0) console.warn = savedWarn;
  };
}

export async function samlifyOpinion(o: {
  xml: string;
  idpMetadataXml: string | null;
  idpEntityId: string | null;
  certificates: readonly Certificate[];
  sp: { entityId: string; acsUrl: string };
  at: number;
  skewMs: number;
  /** The SP's decryption key, for encrypted assertions. */
  spDecryptionKey?: KeyObject;
}): Promise<SamlifyOpinion> {
  let samlify: typeof import('samlify');
  try {
    const mod = (await import('samlify')) as unknown as { default?: typeof import('samlify') } & typeof import('samlify');
    samlify = mod.default ?? mod;
  } catch {
    return { available: false, accepted: null, error: null, attributes: null };
  }
  if (o.certificates.length === 0) return { available: true, accepted: null, error: 'no IdP certificate given', attributes: null };
  // The schema check is the validator's own (xsd.ts); samlify refuses to run without a validator.
  samlify.setSchemaValidator({ validate: async () => 'skipped' });
  const metadata = o.idpMetadataXml ?? idpMetadataXml({ entityId: o.idpEntityId ?? 'urn:samlgate:unknown-idp', ssoUrl: 'https://idp.invalid/sso', sloUrl: 'https://idp.invalid/slo', certificate: o.certificates[0]! });
  // samlify judges times against the real clock; shift its drift window so it judges as of `at`.
  const shift = Date.now() - o.at;
  const restoreWarnings = silenceWarnings();
  try {
    const idp = samlify.IdentityProvider({ metadata, isAssertionEncrypted: /<(\w+:)?EncryptedAssertion\b/.test(o.xml) });
    const sp = samlify.ServiceProvider({
      entityID: o.sp.entityId,
      assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: o.sp.acsUrl }],
      wantAssertionsSigned: false,
      ...(o.spDecryptionKey ? { encPrivateKey: o.spDecryptionKey.export({ type: 'pkcs8', format: 'pem' }).toString() } : {}),
      clockDrifts: [shift - o.skewMs, shift + o.skewMs],
    });
    const result = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: Buffer.from(o.xml, 'utf8').toString('base64') } });
    return { available: true, accepted: true, error: null, attributes: (result.extract?.attributes as Record<string, unknown>) ?? {} };
  } catch (err) {
    return { available: true, accepted: false, error: err instanceof Error ? err.message : String(err), attributes: null };
  } finally {
    restoreWarnings();
  }
}

/** Compares samlify's map with the faithful per-attribute reading; differences are a shifted zip. */
export function samlifyAttributeFindings(ours: readonly SamlAttribute[], theirs: Record<string, unknown>): Finding[] {
  const expected = new Map<string, string[]>();
  for (const a of ours) {
    if (a.name === null) continue;
    const values = a.values.flatMap((v) => (v.kind === 'text' ? [v.text] : []));
    expected.set(a.name, [...(expected.get(a.name) ?? []), ...values]);
  }
  const diffs: string[] = [];
  for (const [name, values] of expected) {
    const got = Object.hasOwn(theirs, name) ? theirs[name] : undefined;
    const list = got === undefined ? [] : Array.isArray(got) ? got.map(String) : [String(got)];
    if (JSON.stringify(list) !== JSON.stringify(values)) diffs.push(`${name}: the document says ${JSON.stringify(values)}, samlify reads ${JSON.stringify(got ?? null)}`);
  }
  for (const name of Object.keys(theirs)) if (!expected.has(name)) diffs.push(`${name}: samlify reads ${JSON.stringify(theirs[name])} for an attribute the assertion does not name`);
  if (diffs.length === 0) return [];
  return [{ code: 'SAMLIFY_SHIFTED_ATTRIBUTES', severity: 'warning', message: `samlify reads the attributes differently: ${diffs.join('; ')}`, why: whyOf('SAMLIFY_SHIFTED_ATTRIBUTES'), fix: 'give every Attribute a Name and send each value once, as text, so every SAML library reads the same map' }];
}
