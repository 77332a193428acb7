/**
 * SAML single logout at the gateway's /users/saml/slo (HTTP-Redirect binding):
 * - a LogoutResponse from the IdP, answering the LogoutRequest POST /logout sent;
 * - a LogoutRequest from the IdP (IdP-initiated logout), which ends the user's matching sessions.
 * Both must carry a valid detached signature by the IdP (SP-SECURITY SLO1); requests are checked
 * for embedded assertions (SLO2), expiry and replay (SLO3), and end only the sessions their
 * NameID and SessionIndex name (SLO4).
 */
import { encodeRedirectMessage, decodeRedirectMessage, parseRedirectQuery, signRedirectQuery, verifyRedirectSignature, type RedirectMessageType } from '../saml/sign.ts';
import { NS, STATUS_SUCCESS } from '../saml/constants.ts';
import { logoutResponseXml } from '../saml/logout.ts';
import { childElements, trimmedText } from '../saml/dom.ts';
import { reject } from '../saml/rejection.ts';
import { parseXml } from '../saml/xml.ts';
import type { GatewayContext } from '../gateway/context.ts';
import type { GatewaySessionData } from '../gateway/web-session.ts';
import { endWebSession } from '../gateway/session-store.ts';

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 16 };
/** How long a LogoutRequest ID is remembered when the request has no NotOnOrAfter. */
const LOGOUT_REPLAY_TTL_MS = 24 * 3_600_000;

function receive(ctx: GatewayContext, rawQuery: string, type: RedirectMessageType, expected: 'LogoutRequest' | 'LogoutResponse'): Element {
  const query = parseRedirectQuery(rawQuery, type);
  verifyRedirectSignature(query, ctx.idp.signingCertificates);
  const root = parseXml(decodeRedirectMessage(query.message, LIMITS.maxBytes), LIMITS).documentElement as Element;
  if (root.namespaceURI !== NS.protocol || root.localName !== expected) reject('E_SCHEMA', `expected a samlp:${expected}, got ${root.localName}`);
  if (root.getAttribute('Version') !== '2.0') reject('E_VERSION', `the ${expected} is not SAML 2.0`);
  if (!root.getAttribute('ID')) reject('E_SCHEMA', `the ${expected} has no ID`);
  const issuer = trimmedText(childElements(root, NS.assertion, 'Issuer')[0]);
  if (issuer !== ctx.idp.entityId) reject('E_ISSUER', `the ${expected} was issued by ${JSON.stringify(issuer ?? null)}, expected the trusted IdP ${ctx.idp.entityId}`);
  const destination = root.getAttribute('Destination');
  if (destination && destination !== ctx.config.gateway.sloUrl) {
    reject('E_DESTINATION', `the ${expected} is addressed to ${destination}, expected ${ctx.config.gateway.sloUrl}`);
  }
  return root;
}

/** The IdP's answer to our LogoutRequest. Returns the message for the next page. */
export function receiveLogoutResponse(ctx: GatewayContext, rawQuery: string): string {
  const root = receive(ctx, rawQuery, 'SAMLResponse', 'LogoutResponse');
  const status = childElements(childElements(root, NS.protocol, 'Status')[0] ?? root, NS.protocol, 'StatusCode')[0]?.getAttribute('Value');
  return status === STATUS_SUCCESS ? 'You are signed out of the gateway and the IdP.' : `You are signed out of the gateway; the IdP reported ${status ?? 'no status'} for its own logout.`;
}

/**
 * IdP-initiated logout: ends the sessions it names and returns the URL of the signed
 * LogoutResponse to send the browser to (null when the IdP has no SLO endpoint).
 */
export async function receiveLogoutRequest(ctx: GatewayContext, rawQuery: string): Promise<{ ended: number; redirect: string | null }> {
  const root = receive(ctx, rawQuery, 'SAMLRequest', 'LogoutRequest');
  const now = ctx.clock.now();
  const skew = ctx.config.gateway.clockSkew;
  // SLO2: a LogoutRequest never legitimately carries an assertion; one inside is a wrapping attempt.
  if (root.getElementsByTagNameNS(NS.assertion, 'Assertion').length > 0) reject('E_STRUCT', 'the LogoutRequest contains an Assertion');
  const notOnOrAfter = root.getAttribute('NotOnOrAfter');
  const expiry = notOnOrAfter ? Date.parse(notOnOrAfter) : NaN;
  if (notOnOrAfter && (!/Z$/.test(notOnOrAfter) || Number.isNaN(expiry))) reject('E_TIME', `the LogoutRequest NotOnOrAfter ${JSON.stringify(notOnOrAfter)} is not a UTC xs:dateTime`);
  if (notOnOrAfter && now >= expiry + skew) reject('E_TIME', `the LogoutRequest expired at ${notOnOrAfter}`);
  const nameIds = childElements(root, NS.assertion, 'NameID');
  const nameId = nameIds.length === 1 ? nameIds[0]!.textContent?.trim() : undefined;
  if (!nameId) reject('E_SUBJECT', 'the LogoutRequest must name exactly one NameID');
  const sessionIndexes = childElements(root, NS.protocol, 'SessionIndex').map((e) => e.textContent?.trim() ?? '');
  const id = root.getAttribute('ID')!;
  if (!(await ctx.store.replay.claim(`logout:${ctx.idp.entityId}:${id}`, (notOnOrAfter ? expiry : now + LOGOUT_REPLAY_TTL_MS) + skew, now))) {
    reject('E_REPLAY', `LogoutRequest ${id} was already processed`);
  }

  let ended = 0;
  const user = await ctx.store.users.getByEmail(nameId);
  if (user) {
    for (const record of await ctx.store.sessions.listByUser(user.id)) {
      const login = (JSON.parse(record.data) as GatewaySessionData).login;
      // SLO4: with SessionIndex, only the sessions from those logins end.
      if (login && (sessionIndexes.length === 0 || (login.sessionIndex !== null && sessionIndexes.includes(login.sessionIndex)))) {
        await endWebSession(ctx.store, record.sid);
        ended++;
      }
    }
  }
  ctx.logger.info({ userId: user?.id ?? null, ended }, 'IdP-initiated logout');
  if (!ctx.idp.sloUrl) return { ended, redirect: null };
  const xml = logoutResponseXml({ id: ctx.ids.samlId(), issueInstant: now, issuer: ctx.config.gateway.entityId, destination: ctx.idp.sloUrl, inResponseTo: id });
  const query = signRedirectQuery({ type: 'SAMLResponse', message: encodeRedirectMessage(xml), privateKey: ctx.sp.privateKey, relayState: parseRedirectQuery(rawQuery, 'SAMLRequest').relayState });
  return { ended, redirect: `${ctx.idp.sloUrl}${ctx.idp.sloUrl.includes('?') ? '&' : '?'}${query}` };
}
