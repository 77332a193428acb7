/**
 * The ACS's own wrapper around the shared verification core (src/saml/verify/response.ts): the
 * checks only a live SP can make, which the validator must not (SP-SECURITY 10.2 step 8):
 * the HTTP-POST transport, InResponseTo bound to this browser session's pending AuthnRequests
 * (IRT1-5), unsolicited responses, and the replay cache, last, so that only a document that
 * passed everything else burns its assertion ID.
 */
import type { Clock } from '../clock.ts';
import type { AttributePolicyOptions } from '../saml/attribute-policy.ts';
import { reject, SamlRejection } from '../saml/rejection.ts';
import type { IdpTrust } from '../saml/trust.ts';
import type { DecryptionOptions } from '../saml/verify/decrypt.ts';
import { checkLoginResponse, type CheckedResponse } from '../saml/verify/response.ts';
import { decodePostedMessage } from '../saml/verify/transport.ts';
import type { ReplayCache } from '../store/types.ts';
import { LoginRefused } from '../tfe/users.ts';

export interface VerifyOptions {
  sp: { entityId: string; acsUrl: string };
  idp: IdpTrust;
  clock: Clock;
  /** Applied symmetrically to every time comparison (SKEW1). */
  clockSkewMs: number;
  /** An AuthnInstant older than this is refused with E_TIME (AUTHN2). */
  maxAuthnAgeMs: number;
  /** Cap on NotOnOrAfter - IssueInstant (TIME10). */
  maxAssertionLifetimeMs: number;
  replay: ReplayCache;
  attributePolicy: AttributePolicyOptions;
  /** IdP-initiated SSO: accept responses without InResponseTo. */
  allowUnsolicited: boolean;
  decryption?: DecryptionOptions;
  /** TFE's want-assertions-signed (admin SAML settings): the Assertion must carry its own signature. */
  requireAssertionSignature?: boolean;
}

/** What the core checked (the fields the login uses), plus the InResponseTo this wrapper matched. */
export type VerifiedLogin = Pick<
  CheckedResponse,
  'assertionId' | 'issuer' | 'nameId' | 'nameIdFormat' | 'sessionIndex' | 'sessionNotOnOrAfter' | 'authnInstant' | 'attributes' | 'serviceAccount' | 'attributeNotes' | 'user'
> & { inResponseTo: string | null };

function rejectUnexpected<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SamlRejection) throw err;
    throw new SamlRejection('E_STRUCT', `the SAML response could not be processed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** IRT1-5: the InResponseTo this browser session may accept, or null for an unsolicited response. */
export function checkInResponseTo(
  c: { responseInResponseTo: string | null; scdInResponseTo: string | null; responseSigned: boolean },
  pendingRequestIds: readonly string[],
  allowUnsolicited: boolean,
): string | null {
  const responseIrt = c.responseInResponseTo;
  const scdIrt = c.scdInResponseTo;
  if (responseIrt !== null && scdIrt !== null && responseIrt !== scdIrt) {
    reject('E_IN_RESPONSE_TO', `the Response answers request ${JSON.stringify(responseIrt)} but its assertion answers ${JSON.stringify(scdIrt)}; they must agree`);
  }
  if (responseIrt !== null && !pendingRequestIds.includes(responseIrt)) {
    reject('E_IN_RESPONSE_TO', `the response answers request ${JSON.stringify(responseIrt)}, which this browser session did not send or already used${pendingRequestIds.length ? '' : ' (no login is pending)'}: start the login again from /session`);
  }
  const inResponseTo = scdIrt ?? (c.responseSigned ? responseIrt : null);
  if (inResponseTo === null) {
    if (!allowUnsolicited) {
      reject('E_UNSOLICITED', `the response does not answer a login request${responseIrt !== null ? ' in its signed content' : ''} (IdP-initiated login) and unsolicited responses are disabled: start the login from /session, or enable IdP-initiated login for this IdP`, {
        fix: 'start the login from the gateway (/session), or enable IdP-initiated login (gateway.allowIdpInitiated)',
      });
    }
  } else if (!pendingRequestIds.includes(inResponseTo)) {
    reject('E_IN_RESPONSE_TO', `the assertion answers request ${JSON.stringify(inResponseTo)}, which this browser session did not send or already used${pendingRequestIds.length ? '' : ' (no login is pending)'}: start the login again from /session`);
  }
  return inResponseTo;
}

/**
 * `encoded` is req.body.SAMLResponse as received. `pendingRequestIds` are the AuthnRequest IDs
 * this browser session waits for; the caller removes the one returned in `inResponseTo`.
 * Every refusal is a SamlRejection.
 */
export async function verifyLoginResponse(encoded: unknown, pendingRequestIds: readonly string[], opts: VerifyOptions): Promise<VerifiedLogin> {
  const now = opts.clock.now();
  const { login, replayExpiresAt } = rejectUnexpected(() => {
    const xml = decodePostedMessage(encoded);
    const c = checkLoginResponse(xml, {
      sp: opts.sp,
      idp: opts.idp,
      now,
      clockSkewMs: opts.clockSkewMs,
      maxAuthnAgeMs: opts.maxAuthnAgeMs,
      maxAssertionLifetimeMs: opts.maxAssertionLifetimeMs,
      attributePolicy: opts.attributePolicy,
      ...(opts.decryption ? { decryption: opts.decryption } : {}),
    });
    if (opts.requireAssertionSignature && !c.assertionSigned) {
      reject('E_SIGNATURE', 'the Assertion is not signed itself (only the Response is) and want-assertions-signed is on: have the IdP sign the assertion, or turn want-assertions-signed off in the admin SAML settings');
    }
    const inResponseTo = checkInResponseTo(c, pendingRequestIds, opts.allowUnsolicited);
    const login: VerifiedLogin = {
      assertionId: c.assertionId,
      issuer: c.issuer,
      nameId: c.nameId,
      nameIdFormat: c.nameIdFormat,
      sessionIndex: c.sessionIndex,
      sessionNotOnOrAfter: c.sessionNotOnOrAfter,
      authnInstant: c.authnInstant,
      inResponseTo,
      attributes: c.attributes,
      serviceAccount: c.serviceAccount,
      attributeNotes: c.attributeNotes,
      user: c.user,
    };
    return { login, replayExpiresAt: c.replayExpiresAt };
  });
  // REPLAY1-3: last. A store failure here is an infrastructure error, not bad input.
  const fresh = await opts.replay.claim(`assertion:${login.issuer}:${login.assertionId}`, replayExpiresAt, now);
  if (!fresh) {
    reject('E_REPLAY', `assertion ${login.assertionId} from ${login.issuer} was already used to log in; each assertion is accepted once (replayed or double-posted form): start a new login`);
  }
  return login;
}

/**
 * The one place the login's domain refusals become SAML rejection codes: a LoginRefused of the
 * user sync (src/tfe/users.ts: suspended, S4; username owned by another email, S5) is E_USER.
 * Anything else is returned unchanged.
 */
export function loginRefusalAsRejection(err: unknown): unknown {
  if (err instanceof LoginRefused) return new SamlRejection('E_USER', err.message);
  return err;
}
