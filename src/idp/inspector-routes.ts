/**
 * The response inspector (/responses, /responses/:id): the last messages the IdP sent (the
 * ResponseRing of inspector.ts), each with its signatures verified against the IdP's own
 * certificates and pretty-printed, the decrypted Assertion beside an encrypted one. Admin only.
 */
import { Router } from 'express';
import type { Certificate } from '../saml/keys.ts';
import { requireAdminFor, type AdminPagesDeps } from './admin-pages.ts';
import { inspectorPage, type InspectedRecord } from './admin-views.ts';
import { prettyXml, signatureStatus, type IssuedRecord } from './inspector.ts';
import { sendHtml as html } from './route-helpers.ts';
import { errorPage } from './views.ts';

/** Verifies an issued record's signatures and pretty-prints it, for the inspector. */
export function inspect(r: IssuedRecord, certificates: readonly Certificate[]): InspectedRecord {
  const isLogin = r.kind === 'login' || r.kind === 'no-passive';
  return {
    record: r,
    responseSignature: signatureStatus(r.xml, isLogin ? 'Response' : r.kind === 'logout-request' ? 'LogoutRequest' : 'LogoutResponse', certificates),
    assertionSignature: r.kind === 'login' ? signatureStatus(r.plaintextAssertion ?? r.xml, 'Assertion', certificates) : null,
    prettyXml: prettyXml(r.xml),
    prettyAssertion: r.plaintextAssertion ? prettyXml(r.plaintextAssertion) : null,
  };
}

export function inspectorRoutes(d: Pick<AdminPagesDeps, 'admin' | 'csrf' | 'ring' | 'clock' | 'signingCertificates'>): Router {
  const router = Router();
  const requireAdmin = requireAdminFor(d);

  router.get('/responses', requireAdmin, (_req, res) => {
    html(res, 200, inspectorPage({ items: d.ring.list().map((r) => inspect(r, d.signingCertificates)), now: d.clock.now(), capacity: d.ring.capacity }));
  });

  router.get('/responses/:id', requireAdmin, (req, res) => {
    const r = d.ring.get(String(req.params.id));
    if (!r) return html(res, 404, errorPage('No such response', `The IdP keeps the last ${d.ring.capacity} messages; ${req.params.id} is not among them.`, 'See the <a href="/responses">recent responses</a>.'));
    html(res, 200, inspectorPage({ items: [inspect(r, d.signingCertificates)], now: d.clock.now(), capacity: d.ring.capacity }));
  });

  return router;
}
