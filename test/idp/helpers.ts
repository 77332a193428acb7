/** Test fixtures for the IdP: a real app, a real SP key, real signatures; nothing mocked. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ManualClock } from '../../src/clock.ts';
import { DEV_CERTS_DIR, resolveConfig, type Config } from '../../src/config.ts';
import { createIdp, type Idp } from '../../src/idp/app.ts';
import { randomIds } from '../../src/ids.ts';
import { silentLogger } from '../../src/log.ts';
import { NS } from '../../src/saml/constants.ts';
import { loadSigningCredentials } from '../../src/saml/keys.ts';
import { encodeRedirectMessage, signRedirectQuery } from '../../src/saml/sign.ts';
import { parseXml } from '../../src/saml/xml.ts';

export const IDP_CERT = path.join(DEV_CERTS_DIR, 'idp-signing.crt');
export const SP_CREDENTIALS = loadSigningCredentials(path.join(DEV_CERTS_DIR, 'sp-signing.key'), path.join(DEV_CERTS_DIR, 'sp-signing.crt'));

export interface TestIdp {
  idp: Idp;
  clock: ManualClock;
  config: Config;
}

export function makeIdp(file: Record<string, unknown> = {}): TestIdp {
  const config = resolveConfig(file);
  const clock = new ManualClock();
  const idp = createIdp({ config, clock, ids: randomIds, logger: silentLogger });
  return { idp, clock, config };
}

export function authnRequestXml(o: { id: string; issuer: string; acsUrl?: string; destination: string; issueInstant: number }): string {
  const acs = o.acsUrl ? ` AssertionConsumerServiceURL="${o.acsUrl}"` : '';
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${o.id}" Version="2.0" ` +
    `IssueInstant="${new Date(o.issueInstant).toISOString()}" Destination="${o.destination}"${acs} ` +
    `ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>${o.issuer}</saml:Issuer></samlp:AuthnRequest>`
  );
}

/** A gateway-style AuthnRequest as a Redirect-binding query (signed with the SP dev key unless told not to). */
export function gatewayRedirectQuery(t: TestIdp, o: { id?: string; relayState?: string; sign?: boolean; acsUrl?: string; issuer?: string } = {}): string {
  const xml = authnRequestXml({
    id: o.id ?? '_req1',
    issuer: o.issuer ?? t.config.gateway.entityId,
    acsUrl: o.acsUrl ?? t.config.gateway.acsUrl,
    destination: `${t.config.idp.baseUrl}/sso`,
    issueInstant: t.clock.now(),
  });
  const message = encodeRedirectMessage(xml);
  if (o.sign === false) {
    let q = `SAMLRequest=${encodeURIComponent(message)}`;
    if (o.relayState !== undefined) q += `&RelayState=${encodeURIComponent(o.relayState)}`;
    return q;
  }
  return signRedirectQuery({ type: 'SAMLRequest', message, relayState: o.relayState, privateKey: SP_CREDENTIALS.privateKey });
}

function decodeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Reads the auto-posting form: action and hidden inputs. */
export function readPostForm(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*method="post"[^>]*action="([^"]*)"/.exec(html);
  assert.ok(form, `no auto-post form in:\n${html}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = decodeHtml(m[2]!);
  return { action: decodeHtml(form[1]!), fields };
}

export function hiddenRequestRef(html: string): string {
  const m = /<input type="hidden" name="request" value="([^"]+)">/.exec(html);
  assert.ok(m, 'login form has no hidden request field');
  return m[1]!;
}

export function sessionCookie(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = all.find((h) => h.startsWith('samlgate_idp='));
  assert.ok(c, `no samlgate_idp cookie in ${JSON.stringify(all)}`);
  return c.split(';')[0]!;
}

export function decodeSamlResponse(b64: string): { xml: string; response: Element; assertion: Element } {
  const xml = Buffer.from(b64, 'base64').toString('utf8');
  const doc = parseXml(xml);
  const response = doc.documentElement as Element;
  const assertion = response.getElementsByTagNameNS(NS.assertion, 'Assertion')[0];
  assert.ok(assertion, 'response has no Assertion');
  return { xml, response, assertion };
}

export function el(parent: Element, ns: string, localName: string): Element {
  const found = parent.getElementsByTagNameNS(ns, localName)[0];
  assert.ok(found, `no ${localName}`);
  return found;
}

/** IdP-initiated login for `username` at the gateway SP: the quickest way to an issued Response. */
export async function issueFor(t: TestIdp, username: string): Promise<ReturnType<typeof decodeSamlResponse>> {
  const { default: request } = await import('supertest');
  const res = await request(t.idp.app).get('/sso/initiate').query({ sp: t.config.gateway.entityId, user: username });
  assert.equal(res.status, 200, res.text);
  return decodeSamlResponse(readPostForm(res.text).fields.SAMLResponse!);
}

/** The login form's CSRF token and the cookie it is bound to, from a page the IdP served. */
export function csrfOf(page: { text: string; headers: Record<string, unknown> }, previousCookie?: string): { token: string; cookie: string } {
  const m = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page.text);
  assert.ok(m, 'page has no csrf field');
  const setCookie = page.headers['set-cookie'] as string[] | undefined;
  const c = (setCookie ?? []).find((h) => h.startsWith('samlgate_idp_csrf='));
  const cookie = c ? c.split(';')[0]! : previousCookie;
  assert.ok(cookie, 'no samlgate_idp_csrf cookie set or given');
  return { token: m[1]!, cookie };
}

/** `name=value` of every cookie a response sets (not the ones it clears), as a browser would keep them. */
export function cookiesOf(res: { headers: Record<string, unknown> }): string[] {
  const setCookie = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return setCookie.filter((h) => !/^[^=]+=;/.test(h) && !/Expires=Thu, 01 Jan 1970/i.test(h)).map((h) => h.split(';')[0]!);
}

/** The pending-login cookie a /sso page set (the login form refers to it by its hidden `request` field). */
export function pendingCookieOf(page: { headers: Record<string, unknown> }): string {
  const c = cookiesOf(page).find((h) => h.startsWith('samlgate_idp_login_'));
  assert.ok(c, 'no samlgate_idp_login_* cookie set');
  return c;
}

/**
 * POSTs the login form the way a browser does: this page's CSRF token and its cookie, the
 * cookies the page set (its pending login), plus `fields` (request ref taken from the page unless
 * given). `cookies` adds e.g. the IdP session or the pending login set by an earlier page.
 */
export async function postLogin(app: unknown, page: { text: string; headers: Record<string, unknown> }, fields: Record<string, string>, o: { cookies?: string[]; csrfCookie?: string } = {}) {
  const { default: request } = await import('supertest');
  const { token, cookie } = csrfOf(page, o.csrfCookie);
  const ref = /<input type="hidden" name="request" value="([^"]+)">/.exec(page.text)?.[1];
  const others = cookiesOf(page).filter((c) => !c.startsWith('samlgate_idp_csrf='));
  return request(app as never)
    .post('/login')
    .set('Cookie', [cookie, ...others, ...(o.cookies ?? [])].join('; '))
    .type('form')
    .send({ ...(ref ? { request: ref } : {}), csrf: token, ...fields });
}
