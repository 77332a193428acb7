/**
 * An AuthnRequest's way through the IdP, one named step each so a profile or a stack trace says
 * where it is: readRequest (decode, verify, read) -> resolveServiceProvider -> authenticate (a
 * live session, or NoPassive, or the login form) -> issue (assertion, faults, signature,
 * encryption, bookkeeping) -> respond (the auto-posting form, SAML bindings 3.5).
 */
import type { Request, Response } from 'express';
import type { FaultName } from '../config.ts';
import { signElement } from '../saml/sign.ts';
import { buildAssertionModel, serializeStatusResponse } from './assertion.ts';
import type { IdpContext } from './context.ts';
import type { IdpUser } from './directory.ts';
import { IssuanceError, issueResponse, type IssuedResponse } from './issue.ts';
import { showPicker } from './login-form.ts';
import { readAuthnRequest, receivePost, receiveRedirect } from './requests.ts';
import { rawQueryOf, sendHtml } from './route-helpers.ts';
import type { IdpServiceProvider } from './service-providers.ts';
import { currentSession } from './session-cookie.ts';
import type { IdpSession } from './sessions.ts';
import { autoPostPage, errorPage } from './views.ts';

/** Who the response is about: a live IdP session, or a one-off login (IdP-initiated with ?user=). */
export interface Authentication {
  user: IdpUser;
  authnInstant: number;
  sessionIndex: string;
  session: IdpSession | null;
}

/** What the IdP needs of an AuthnRequest once its signature (if any) checked out. */
export interface SsoRequest {
  spEntityId: string;
  /** null for an IdP-initiated (unsolicited) login: the Response has no InResponseTo. */
  requestId: string | null;
  relayState: string | null;
  forceAuthn: boolean;
  isPassive: boolean;
}

const STATUS = {
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
};

const isTrue = (root: Element, name: string) => root.getAttribute(name) === 'true' || root.getAttribute(name) === '1';

// SP signing policy: AuthnRequestsSigned in metadata (or a signing cert in config) makes
// unsigned and mis-signed requests fail (metadata 2.4.4).
const authnSignatureRequired = (sp: { authnRequestsSigned: boolean }) => sp.authnRequestsSigned;

/** Step 1: decode the AuthnRequest from either binding and verify it against its SP's trust. */
export function readRequest(ctx: Pick<IdpContext, 'serviceProviders'>, req: Request, binding: 'redirect' | 'post'): SsoRequest {
  const lookupSp = (entityId: string) => ctx.serviceProviders.get(entityId);
  const m =
    binding === 'redirect'
      ? receiveRedirect(rawQueryOf(req), 'SAMLRequest', 'AuthnRequest', lookupSp, authnSignatureRequired)
      : receivePost(req.body?.SAMLRequest, req.body?.RelayState, 'AuthnRequest', lookupSp, authnSignatureRequired);
  const info = readAuthnRequest(m);
  return { spEntityId: m.sp.entityId, requestId: info.id, relayState: m.relayState, forceAuthn: info.forceAuthn, isPassive: isTrue(m.root, 'IsPassive') };
}

/** Step 2: the registered SP the request came from (readRequest already refused an unknown one). */
export function resolveServiceProvider(ctx: Pick<IdpContext, 'serviceProviders'>, entityId: string): IdpServiceProvider {
  return ctx.serviceProviders.get(entityId)!;
}

function authenticationOf(ctx: IdpContext, session: IdpSession | undefined): Authentication | undefined {
  if (!session) return undefined;
  const user = ctx.directory.get(session.username);
  return user ? { user, authnInstant: session.authnInstant, sessionIndex: session.sessionIndex, session } : undefined;
}

/**
 * Step 3: the live session's user, or undefined once this step answered itself: NoPassive, or
 * the login form (whose POST /login then issues and responds).
 */
export async function authenticate(ctx: IdpContext, req: Request, res: Response, sp: IdpServiceProvider, request: Pick<SsoRequest, 'requestId' | 'relayState' | 'forceAuthn' | 'isPassive'>): Promise<Authentication | undefined> {
  const auth = authenticationOf(ctx, currentSession(ctx, req));
  // ForceAuthn: the IdP must authenticate afresh, never reuse its session (SAML core 3.4.1).
  if (auth && !request.forceAuthn) return auth;
  // IsPassive: the IdP must not take visible control of the browser (core 3.4.1, 3.2.2.2 NoPassive).
  if (request.isPassive) {
    answerNoPassive(ctx, res, sp, request.requestId, request.relayState, request.forceAuthn ? 'ForceAuthn and IsPassive together cannot be satisfied' : 'nobody is signed in to the IdP');
    return undefined;
  }
  // The browser carries the pending login: an anonymous /sso stores nothing in the IdP.
  showPicker(ctx, req, res, 200, await ctx.pending.open(req, res, { spEntityId: sp.entityId, requestId: request.requestId, acsUrl: sp.acsUrl, relayState: request.relayState }));
  return undefined;
}

/**
 * Step 4: the Response for this user and SP (faults of the user counted down), recorded in the
 * session's participants (for single logout) and the inspector. Throws IssuanceError when the SP's
 * registration cannot be honoured.
 */
export function issue(ctx: IdpContext, auth: Authentication, sp: IdpServiceProvider, inResponseTo: string | null, extraFaults: readonly FaultName[]): IssuedResponse {
  const { clock, ids, idpConfig, directory, credentials } = ctx;
  const now = clock.now();
  const model = buildAssertionModel({
    user: auth.user,
    sp,
    idpEntityId: idpConfig.entityId,
    now,
    ids,
    inResponseTo,
    authnInstant: auth.authnInstant,
    sessionIndex: auth.sessionIndex,
    settings: sp.settings,
  });
  const faults = directory.faultsForNextResponse(auth.user.username, extraFaults);
  const issued = issueResponse(model, { credentials, faults, now, encryptionCertificate: sp.encryptionCertificate });
  auth.session?.participants.set(sp.entityId, { entityId: sp.entityId, nameId: issued.model.nameId, nameIdFormat: issued.model.nameIdFormat });
  if (auth.session) ctx.sessions.saved(auth.session);
  ctx.ring.add({
    id: issued.model.responseId,
    at: now,
    kind: 'login',
    sp: sp.entityId,
    username: auth.user.username,
    inResponseTo,
    faults,
    encryption: issued.model.encryption,
    xml: issued.xml,
    plaintextAssertion: issued.model.encryption ? issued.assertionXml : null,
  });
  ctx.logger.info({ event: 'idp.response', username: auth.user.username, sp: sp.entityId, inResponseTo, responseId: issued.model.responseId, faults }, 'issued SAML response');
  return issued;
}

/** Step 5: the Response to the SP's ACS as the auto-posting form (SAML bindings 3.5). */
export function respond(res: Response, sp: IdpServiceProvider, xml: string, relayState: string | null, note?: string) {
  sendHtml(res, 200, autoPostPage({ action: sp.acsUrl, samlResponse: Buffer.from(xml, 'utf8').toString('base64'), relayState, note }));
}

/** Steps 4 and 5 for an authenticated user; an SP registration the IdP cannot honour gets a 409 page. */
export function answer(ctx: IdpContext, res: Response, auth: Authentication, sp: IdpServiceProvider, inResponseTo: string | null, relayState: string | null, extraFaults: readonly FaultName[] = []) {
  let issued;
  try {
    issued = issue(ctx, auth, sp, inResponseTo, extraFaults);
  } catch (err) {
    if (err instanceof IssuanceError) {
      ctx.logger.warn({ event: 'idp.response.refused', sp: sp.entityId, reason: err.message }, 'cannot issue the response');
      return sendHtml(res, 409, errorPage('Cannot send the response', err.message, 'Fix the SP registration (see GET /api/service-providers and docs/idp.md), then start the login again.'));
    }
    throw err;
  }
  respond(res, sp, issued.xml, relayState, `Signing in to ${sp.entityId} as ${auth.user.username}…`);
}

/** IsPassive and nobody signed in: Responder/NoPassive, signed as the SP expects (core 3.4.1.4). */
function answerNoPassive(ctx: IdpContext, res: Response, sp: IdpServiceProvider, inResponseTo: string | null, relayState: string | null, why: string) {
  const { clock, ids, idpConfig, credentials } = ctx;
  const now = clock.now();
  const id = ids.samlId();
  let xml = serializeStatusResponse({ id, issueInstant: now, issuer: idpConfig.entityId, destination: sp.acsUrl, inResponseTo, status: STATUS.responder, subStatus: STATUS.noPassive, message: why });
  if (sp.settings.signResponse || sp.settings.signAssertion) xml = signElement(xml, { credentials, elementLocalName: 'Response', algorithm: sp.settings.signatureAlgorithm });
  ctx.ring.add({ id, at: now, kind: 'no-passive', sp: sp.entityId, username: null, inResponseTo, faults: [], encryption: null, xml, plaintextAssertion: null });
  ctx.logger.info({ event: 'idp.response.no-passive', sp: sp.entityId, inResponseTo }, 'IsPassive request answered with NoPassive');
  respond(res, sp, xml, relayState);
}
