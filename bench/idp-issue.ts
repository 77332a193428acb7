/**
 * idp-issue: IdP response issuance, in-process. samlgate's builder + signing (buildAssertionModel
 * + issueResponse, exactly as the IdP's /sso answer) versus samlify 2.13's
 * idp.createLoginResponse(sp, requestInfo, 'post', user, customTagReplacement) producing the same
 * content (NameID, Username and MemberOf attributes, AuthnStatement with SessionIndex and
 * SessionNotOnOrAfter), with the Assertion AND the Response signed (RSA-SHA256, exc-c14n) on both
 * sides. samlify gets the key as the PEM string it requires.
 */
import { escapeXml } from '../src/saml/xml.ts';
import { ATTRNAME_FORMAT, AUTHN_CONTEXT_PASSWORD, NAMEID_FORMAT } from '../src/saml/constants.ts';
import { createMemoryStore } from '../src/store/memory.ts';
import { verifyLoginResponse } from '../src/sp/acs.ts';
import { fmt, interleave, isMain, log, median, meets, opsPerSecond, parseOptions, report, targetText, type BenchOptions, type BenchResult } from './lib.ts';
import { profileCall } from './profile.ts';
import { benchUser, config, DAY_MS, fixedClock, gatewaySp, idpCredentials, idpTrust, issueOurs, REQUEST_ID, samlifyWithoutSchemaValidation } from './saml-fixtures.ts';

// DESIGN 5: IdP issuance >= 3x samlify's createLoginResponse.
const TARGET = { op: '>=' as const, value: 4.5 };

export async function run(o: BenchOptions): Promise<BenchResult[]> {
  const rounds = o.quick ? 3 : 5;
  const ms = o.quick ? 1_000 : 2_000;
  const samlify = samlifyWithoutSchemaValidation();
  const { binding } = samlify.Constants.namespace;
  const sIdp = samlify.IdentityProvider({
    entityID: config.idp.entityId,
    privateKey: idpCredentials.privateKeyPem,
    signingCert: idpCredentials.certificate.pem,
    singleSignOnService: [{ Binding: binding.redirect, Location: `${config.idp.baseUrl}/sso` }],
    singleLogoutService: [{ Binding: binding.redirect, Location: `${config.idp.baseUrl}/slo` }],
    nameIDFormat: [NAMEID_FORMAT.email],
  });
  const sSp = samlify.ServiceProvider({
    entityID: gatewaySp.entityId,
    assertionConsumerService: [{ Binding: binding.post, Location: gatewaySp.acsUrl }],
    wantAssertionsSigned: true,
    wantMessageSigned: true,
  });
  const memberOf = (benchUser.attributes.MemberOf as string[] | undefined) ?? [];
  const attributeValue = (v: string) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`;
  // What a samlify user writes to get attributes and an AuthnStatement into the default template.
  const customTagReplacement = (template: string) => {
    const now = new Date();
    const later = new Date(now.getTime() + config.idp.assertionLifetime).toISOString();
    const authn =
      `<saml:AuthnStatement AuthnInstant="${new Date(now.getTime() - 1_000).toISOString()}" SessionIndex="_bench-session-1" SessionNotOnOrAfter="${new Date(now.getTime() + config.idp.sessionNotOnOrAfter).toISOString()}">` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>${AUTHN_CONTEXT_PASSWORD}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`;
    const attrs =
      `<saml:AttributeStatement><saml:Attribute Name="Username" NameFormat="${ATTRNAME_FORMAT.basic}">${attributeValue(benchUser.username)}</saml:Attribute>` +
      `<saml:Attribute Name="MemberOf" NameFormat="${ATTRNAME_FORMAT.basic}">${memberOf.map(attributeValue).join('')}</saml:Attribute></saml:AttributeStatement>`;
    const id = sIdp.entitySetting.generateID!();
    const context = samlify.SamlLib.replaceTagsByValue(template.replace('{AuthnStatement}', authn).replace('{AttributeStatement}', attrs), {
      ID: id,
      AssertionID: sIdp.entitySetting.generateID!(),
      Destination: gatewaySp.acsUrl,
      Audience: gatewaySp.entityId,
      SubjectRecipient: gatewaySp.acsUrl,
      Issuer: config.idp.entityId,
      IssueInstant: now.toISOString(),
      StatusCode: samlify.Constants.StatusCode.Success,
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later,
      SubjectConfirmationDataNotOnOrAfter: later,
      NameIDFormat: NAMEID_FORMAT.email,
      NameID: benchUser.email,
      InResponseTo: REQUEST_ID,
    });
    return { id, context };
  };
  const requestInfo = { extract: { request: { id: REQUEST_ID } } };
  const issueSamlify = () => sIdp.createLoginResponse(sSp, requestInfo, 'post', { email: benchUser.email }, customTagReplacement);
  const issueSamlgate = () => issueOurs(Date.now());

  // Sanity: both documents carry two signatures and pass samlgate's own ACS checks.
  const notes: string[] = [];
  const ourXml = issueSamlgate().xml;
  const theirXml = Buffer.from((await issueSamlify()).context, 'base64').toString('utf8');
  const sigs = (x: string) => (x.match(/<ds:Signature\b/g) ?? []).length;
  const opts = {
    sp: { entityId: gatewaySp.entityId, acsUrl: gatewaySp.acsUrl },
    idp: await idpTrust(),
    clock: fixedClock(Date.now() + 1_000),
    clockSkewMs: config.gateway.clockSkew,
    maxAuthnAgeMs: DAY_MS,
    maxAssertionLifetimeMs: DAY_MS,
    replay: createMemoryStore().replay,
    attributePolicy: { allowAbsentNameFormat: false },
    allowUnsolicited: false,
  };
  for (const [who, xml] of [['samlgate', ourXml], ['samlify', theirXml]] as const) {
    let verdict = 'accepted by samlgate\'s ACS';
    try {
      await verifyLoginResponse(Buffer.from(xml).toString('base64'), [REQUEST_ID], opts);
    } catch (err) {
      verdict = `REFUSED by samlgate's ACS: ${(err as Error).message.slice(0, 160)}`;
    }
    notes.push(`${who}: ${xml.length} bytes, ${sigs(xml)} signatures (Assertion + Response), ${verdict}`);
  }
  log(`idp-issue: ${notes.join('; ')}`);

  await opsPerSecond(300, issueSamlgate);
  await opsPerSecond(300, issueSamlify);
  const measure = () =>
    interleave(
      rounds,
      () => opsPerSecond(ms, issueSamlify),
      () => opsPerSecond(ms, issueSamlgate),
      (r, bv, sv) => log(`  idp-issue round ${r + 1}/${rounds}: samlify ${fmt(bv)}/s, samlgate ${fmt(sv)}/s (${fmt(sv / bv, 2)})`),
    );
  const samples = process.env.BENCH_CPU_PROF ? await profileCall(process.env.BENCH_CPU_PROF, 'idp-issue', measure) : await measure();
  const base = median(samples.baseline);
  const subj = median(samples.subject);
  const ratio = subj / base;
  return [
    {
      name: 'idp-issue',
      line: `idp-issue: samlgate issueResponse ${fmt(subj)} responses/s vs samlify createLoginResponse ${fmt(base)}/s -> ratio ${fmt(ratio, 2)} (${targetText(TARGET)})`,
      value: ratio,
      unit: 'ratio',
      target: TARGET,
      pass: meets(ratio, TARGET),
      notes: [
        'both sign the Assertion and then the Response (enveloped, exc-c14n, RSA-SHA256); samlify is handed the PEM key string it requires, samlgate a KeyObject parsed once',
        ...notes,
        `in-process, sequential; medians of ${rounds} alternating ${ms} ms rounds`,
      ],
    },
  ];
}

if (isMain(import.meta.url)) {
  for (const r of await run(parseOptions())) report(r);
}
