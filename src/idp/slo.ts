/**
 * Single logout at the IdP (SAML profiles 4.4), front-channel through the browser:
 * - IdP-initiated (GET /slo): end the IdP session, then send a signed LogoutRequest to every SP
 *   that received an assertion from it, one after the other, collecting their LogoutResponses;
 * - SP-initiated (a LogoutRequest at /slo): the same for every *other* SP, then a signed
 *   LogoutResponse to the SP that asked (profiles 4.4.3.3-4.4.3.4).
 * Each message goes by the SP's SLO binding (Redirect: detached query signature, bindings 3.4.4.1;
 * POST: enveloped signature in an auto-posting form, 3.5.4).
 */
import { isoInstant, type Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { NS, STATUS_SUCCESS } from '../saml/constants.ts';
import type { SigningCredentials } from '../saml/keys.ts';
import { logoutResponseXml } from '../saml/logout.ts';
import { firstChildElement, trimmedText } from '../saml/dom.ts';
import { reject } from '../saml/rejection.ts';
import {
  decodePostMessage,
  decodeRedirectMessage,
  encodeRedirectMessage,
  parseRedirectQuery,
  signElement,
  signRedirectQuery,
  verifyRedirectSignature,
} from '../saml/sign.ts';
import { verifyRootSignature } from '../saml/verify/xmldsig.ts';
import { ALGORITHMS } from '../saml/constants.ts';
import { escapeXml, parseXml } from '../saml/xml.ts';
import { LruTtlMap } from '../util/lru.ts';
import type { IdpServiceProvider } from './service-providers.ts';
import type { SessionParticipant } from './sessions.ts';
import type { LogoutOutcome } from './views.ts';

/** How long the IdP waits for one SP's LogoutResponse (the browser is on its way back). */
export const LOGOUT_RUN_TTL_MS = 10 * 60 * 1000;
/** LogoutRequest NotOnOrAfter: how long an SP should accept it (SAML core 3.7.1). */
export const LOGOUT_REQUEST_LIFETIME_MS = 5 * 60 * 1000;
const LIMITS = { maxBytes: 64 * 1024, maxDepth: 16 };

export interface LogoutInitiator {
  sp: IdpServiceProvider;
  requestId: string;
  relayState: string | null;
}

export interface LogoutRun {
  id: string;
  username: string;
  sessionIndex: string;
  queue: SessionParticipant[];
  /** The LogoutRequest out for an answer now. */
  current: { entityId: string; requestId: string } | null;
  results: LogoutOutcome[];
  initiator: LogoutInitiator | null;
}

/** A message on its way to an SP through the browser. */
export type Outgoing = { kind: 'redirect'; url: string } | { kind: 'post'; action: string; field: 'SAMLRequest' | 'SAMLResponse'; value: string; relayState: string | null };

const withQuery = (url: string, query: string) => `${url}${url.includes('?') ? '&' : '?'}${query}`;

/** Signs and encodes `xml` for the SP's SLO binding. */
export function toSp(sp: IdpServiceProvider, type: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | null, credentials: SigningCredentials): Outgoing {
  const algorithm = sp.settings.signatureAlgorithm;
  if (sp.sloBinding === 'post') {
    const signed = signElement(xml, { credentials, elementLocalName: type === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse', algorithm });
    return { kind: 'post', action: sp.sloUrl!, field: type, value: Buffer.from(signed, 'utf8').toString('base64'), relayState };
  }
  const sigAlg = algorithm === 'rsa-sha512' ? ALGORITHMS.rsaSha512 : ALGORITHMS.rsaSha256;
  const query = signRedirectQuery({ type, message: encodeRedirectMessage(xml), relayState, privateKey: credentials.privateKey, sigAlg });
  return { kind: 'redirect', url: withQuery(sp.sloUrl!, query) };
}

/** SAML core 3.7.1, with the NameID exactly as it was asserted to this SP (Format included). */
export function logoutRequestForSp(o: { id: string; now: number; issuer: string; sp: IdpServiceProvider; participant: SessionParticipant; sessionIndex: string }): string {
  return (
    `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${escapeXml(o.id)}" Version="2.0" IssueInstant="${isoInstant(o.now)}" Destination="${escapeXml(o.sp.sloUrl!)}" NotOnOrAfter="${isoInstant(o.now + LOGOUT_REQUEST_LIFETIME_MS)}">` +
    `<saml:Issuer>${escapeXml(o.issuer)}</saml:Issuer>` +
    `<saml:NameID Format="${escapeXml(o.participant.nameIdFormat)}">${escapeXml(o.participant.nameId)}</saml:NameID>` +
    `<samlp:SessionIndex>${escapeXml(o.sessionIndex)}</samlp:SessionIndex>` +
    `</samlp:LogoutRequest>`
  );
}

export function logoutResponseForSp(o: { id: string; now: number; issuer: string; sp: IdpServiceProvider; inResponseTo: string }): string {
  return logoutResponseXml({ id: o.id, issueInstant: o.now, issuer: o.issuer, destination: o.sp.sloUrl!, inResponseTo: o.inResponseTo });
}

export interface ReceivedLogoutResponse {
  inResponseTo: string;
  issuer: string;
  status: string;
}

/**
 * A LogoutResponse from an SP, over Redirect (rawQuery) or POST (samlResponse). When the SP has
 * a signing certificate the message must be signed by it (SP-SECURITY SLO1); an SP registered
 * without one can only send unsigned answers, which a test IdP accepts.
 */
export function readLogoutResponse(
  input: { binding: 'redirect'; rawQuery: string } | { binding: 'post'; samlResponse: unknown; relayState: unknown },
  lookup: (entityId: string) => IdpServiceProvider | undefined,
): ReceivedLogoutResponse & { sp: IdpServiceProvider; relayState: string | null } {
  let xml: string;
  let relayState: string | null;
  let verify: (sp: IdpServiceProvider, doc: Document) => void;
  if (input.binding === 'redirect') {
    const query = parseRedirectQuery(input.rawQuery, 'SAMLResponse');
    xml = decodeRedirectMessage(query.message, LIMITS.maxBytes);
    relayState = query.relayState;
    verify = (sp) => verifyRedirectSignature(query, [sp.signingCertificate!]);
  } else {
    if (typeof input.samlResponse !== 'string') reject('E_TRANSPORT', 'the form has no single SAMLResponse field');
    if (input.relayState !== undefined && typeof input.relayState !== 'string') reject('E_TRANSPORT', 'the form carries RelayState more than once');
    xml = decodePostMessage(input.samlResponse, LIMITS.maxBytes);
    relayState = (input.relayState as string | undefined) ?? null;
    verify = (sp, doc) => verifyRootSignature(doc, [sp.signingCertificate!]);
  }
  const doc = parseXml(xml, LIMITS);
  const root = doc.documentElement as Element;
  if (root.namespaceURI !== NS.protocol || root.localName !== 'LogoutResponse') reject('E_SCHEMA', `expected a samlp:LogoutResponse, got ${root.localName}`);
  if (root.getAttribute('Version') !== '2.0') reject('E_VERSION', 'the LogoutResponse is not SAML 2.0');
  const issuer = trimmedText(firstChildElement(root, NS.assertion, 'Issuer'));
  if (!issuer) reject('E_ISSUER', 'the LogoutResponse has no saml:Issuer');
  const sp = lookup(issuer);
  if (!sp) reject('E_ISSUER', `the LogoutResponse comes from ${JSON.stringify(issuer)}, which is not a registered service provider`);
  if (sp.signingCertificate) verify(sp, doc);
  const inResponseTo = root.getAttribute('InResponseTo');
  if (!inResponseTo) reject('E_IN_RESPONSE_TO', 'the LogoutResponse has no InResponseTo');
  const status = firstChildElement(firstChildElement(root, NS.protocol, 'Status') ?? root, NS.protocol, 'StatusCode')?.getAttribute('Value') ?? '(none)';
  return { inResponseTo, issuer, status, sp, relayState };
}

/** Logout runs waiting for an SP's answer, keyed by the outstanding LogoutRequest ID. */
export class LogoutRuns {
  private readonly map: LruTtlMap<LogoutRun>;
  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    max = 10_000,
  ) {
    this.map = new LruTtlMap(clock, max);
  }

  start(o: { username: string; sessionIndex: string; participants: readonly SessionParticipant[]; initiator: LogoutInitiator | null }): LogoutRun {
    return {
      id: this.ids.random(32),
      username: o.username,
      sessionIndex: o.sessionIndex,
      queue: o.participants.filter((p) => p.entityId !== o.initiator?.sp.entityId),
      current: null,
      results: [],
      initiator: o.initiator,
    };
  }

  /** Parks the run until the answer to `requestId` arrives. */
  await(run: LogoutRun, entityId: string, requestId: string): void {
    run.current = { entityId, requestId };
    this.map.set(requestId, run, this.clock.now() + LOGOUT_RUN_TTL_MS);
  }

  /** Single use: the run answering this InResponseTo, if any. */
  resume(inResponseTo: string): LogoutRun | undefined {
    const run = this.map.get(inResponseTo);
    if (run) this.map.delete(inResponseTo);
    return run;
  }
}

export const isSuccess = (status: string) => status === STATUS_SUCCESS;
