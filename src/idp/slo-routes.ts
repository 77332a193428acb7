/**
 * /slo: single logout (SAML profiles 4.4) in both bindings. A LogoutRequest from an SP, or a
 * plain GET from the browser, ends the IdP session and starts a run through the other
 * participants (slo.ts keeps the runs); each SP's LogoutResponse comes back here and the run goes
 * on with the next one.
 */
import express, { Router, type Request, type Response } from 'express';
import type { IdpContext } from './context.ts';
import { readLogoutRequest, receivePost, receiveRedirect } from './requests.ts';
import { rawQueryOf, sendHtml, sendToSp } from './route-helpers.ts';
import { endSession } from './session-cookie.ts';
import { isSuccess, logoutRequestForSp, logoutResponseForSp, readLogoutResponse, toSp, type LogoutInitiator, type LogoutRun } from './slo.ts';
import { errorPage, signedOutPage } from './views.ts';

// SLO: an SP that has a signing key must sign its LogoutRequests (SP-SECURITY SLO1).
const logoutSignatureRequired = (sp: { signingCertificate: unknown }) => sp.signingCertificate !== null;

/** Sends the next LogoutRequest of the run, or finishes it. */
function continueLogout(ctx: IdpContext, res: Response, run: LogoutRun) {
  const { serviceProviders, ids, clock, idpConfig, runs, credentials, ring, logger } = ctx;
  while (run.queue.length) {
    const participant = run.queue.shift()!;
    const sp = serviceProviders.get(participant.entityId);
    if (!sp) {
      run.results.push({ entityId: participant.entityId, ok: false, detail: 'no longer registered: its session was not ended' });
      continue;
    }
    if (!sp.sloUrl) {
      run.results.push({ entityId: sp.entityId, ok: false, detail: 'has no SingleLogoutService in its metadata: its session was not ended' });
      continue;
    }
    const id = ids.samlId();
    const now = clock.now();
    const xml = logoutRequestForSp({ id, now, issuer: idpConfig.entityId, sp, participant, sessionIndex: run.sessionIndex });
    runs.await(run, sp.entityId, id);
    const out = toSp(sp, 'SAMLRequest', xml, run.id, credentials);
    ring.add({ id, at: now, kind: 'logout-request', sp: sp.entityId, username: run.username, inResponseTo: null, faults: [], encryption: null, xml: out.kind === 'post' ? Buffer.from(out.value, 'base64').toString('utf8') : xml, plaintextAssertion: null });
    logger.info({ event: 'idp.slo.request', sp: sp.entityId, username: run.username, requestId: id }, 'sending LogoutRequest');
    return sendToSp(res, out, `Signing you out of ${sp.entityId}…`);
  }
  if (run.initiator) {
    const { sp, requestId, relayState } = run.initiator;
    if (!sp.sloUrl) return sendHtml(res, 200, signedOutPage(run.results));
    const xml = logoutResponseForSp({ id: ids.samlId(), now: clock.now(), issuer: idpConfig.entityId, sp, inResponseTo: requestId });
    return sendToSp(res, toSp(sp, 'SAMLResponse', xml, relayState, credentials), `Signed out; returning to ${sp.entityId}…`);
  }
  sendHtml(res, 200, signedOutPage(run.results));
}

function startLogout(ctx: IdpContext, req: Request, res: Response, initiator: LogoutInitiator | null) {
  const session = endSession(ctx, req, res);
  ctx.logger.info({ event: 'idp.slo', username: session?.username ?? null, initiator: initiator?.sp.entityId ?? null, participants: session ? [...session.participants.keys()] : [] }, 'SAML single logout');
  const run = ctx.runs.start({ username: session?.username ?? '', sessionIndex: session?.sessionIndex ?? '', participants: session ? [...session.participants.values()] : [], initiator });
  continueLogout(ctx, res, run);
}

function onLogoutResponse(ctx: IdpContext, res: Response, r: ReturnType<typeof readLogoutResponse>) {
  const run = ctx.runs.resume(r.inResponseTo);
  if (!run || run.current?.entityId !== r.issuer) {
    return sendHtml(res, 400, errorPage('Unexpected LogoutResponse', `${r.issuer} answered a LogoutRequest (${r.inResponseTo}) the IdP is not waiting for: it was answered already, or the logout took longer than 10 minutes.`, 'You are signed out of the IdP; sign out at the service provider itself if its session is still open.'));
  }
  run.results.push({ entityId: r.issuer, ok: isSuccess(r.status), detail: isSuccess(r.status) ? 'signed out' : `answered ${r.status}` });
  ctx.logger.info({ event: 'idp.slo.response', sp: r.issuer, status: r.status }, 'LogoutResponse received');
  continueLogout(ctx, res, run);
}

export function sloRoutes(ctx: IdpContext): Router {
  const router = Router();
  const lookupSp = (entityId: string) => ctx.serviceProviders.get(entityId);
  const registered = (entityId: string) => ctx.serviceProviders.get(entityId)!;

  router.get('/slo', (req, res) => {
    const rawQuery = rawQueryOf(req);
    if (/(^|&)SAMLResponse=/.test(rawQuery)) return onLogoutResponse(ctx, res, readLogoutResponse({ binding: 'redirect', rawQuery }, lookupSp));
    if (!/(^|&)SAMLRequest=/.test(rawQuery)) return startLogout(ctx, req, res, null);
    const m = receiveRedirect(rawQuery, 'SAMLRequest', 'LogoutRequest', lookupSp, logoutSignatureRequired);
    const info = readLogoutRequest(m);
    startLogout(ctx, req, res, { sp: registered(m.sp.entityId), requestId: info.id, relayState: m.relayState });
  });

  router.post('/slo', express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 20 }), (req, res) => {
    if (req.body?.SAMLResponse !== undefined) return onLogoutResponse(ctx, res, readLogoutResponse({ binding: 'post', samlResponse: req.body.SAMLResponse, relayState: req.body.RelayState }, lookupSp));
    const m = receivePost(req.body?.SAMLRequest, req.body?.RelayState, 'LogoutRequest', lookupSp, logoutSignatureRequired);
    const info = readLogoutRequest(m);
    startLogout(ctx, req, res, { sp: registered(m.sp.entityId), requestId: info.id, relayState: m.relayState });
  });

  return router;
}
