/**
 * The login form and the consent page: the directory picker (a user, a password, a fault for this
 * one login), the "this is what will be asserted" confirmation, and the pending login a form names
 * (held in the browser's own signed cookie, pending-login.ts).
 */
import type { Request, Response } from 'express';
import type { IdpContext } from './context.ts';
import type { IdpUser } from './directory.ts';
import { PENDING_TTL_MS, type PendingLogin } from './pending-login.ts';
import { previewModel, readServiceAccount, serviceAccountPreview } from './preview.ts';
import { sendHtml } from './route-helpers.ts';
import type { IdpServiceProvider } from './service-providers.ts';
import { currentSession } from './session-cookie.ts';
import { confirmLoginPage, errorPage, loginPage, type AssertionPreview } from './views.ts';

const NO_PENDING_LOGIN = {
  expired: `This login request is unknown or has expired: a login form stays valid for ${PENDING_TTL_MS / 60_000} minutes, and each can be used once.`,
  unknown:
    'This login request is unknown or has expired: this browser holds no pending login for it. It was completed already, or started in another browser or window, or the browser refuses the IdP\'s cookies (the IdP keeps each pending login in a cookie of the browser that came from the service provider).',
} as const;

export function directoryEntries(ctx: Pick<IdpContext, 'directory'>) {
  return ctx.directory.list().map((u) => ({ username: u.username, displayName: u.displayName, pickOnly: u.password === null, serviceAccount: serviceAccountPreview(u) }));
}

/** The pending login a form or link names (null: none named); undefined once the "expired" page is sent. */
export async function pendingFor(ctx: Pick<IdpContext, 'pending'>, req: Request, res: Response, ref: string | undefined): Promise<PendingLogin | null | undefined> {
  if (!ref) return null;
  const found = await ctx.pending.read(req, ref);
  if (found.ok) return found.pending;
  sendHtml(res, 400, errorPage('Login request expired', NO_PENDING_LOGIN[found.reason], 'Start the login again at the service provider.'));
  return undefined;
}

export function showPicker(ctx: IdpContext, req: Request, res: Response, status: number, p: PendingLogin | null, extra: { error?: string; username?: string } = {}) {
  sendHtml(res, status, loginPage({ users: directoryEntries(ctx), requestRef: p?.ref ?? null, spEntityId: p?.spEntityId ?? null, csrf: ctx.csrf.token(req, res), signedInAs: currentSession(ctx, req)?.username ?? null, ...extra }));
}

/** Exactly what this user's next assertion to this SP says (faults of the user included). */
function previewFor(ctx: IdpContext, user: IdpUser, sp: IdpServiceProvider | null): AssertionPreview {
  const settings = (sp ?? ctx.serviceProviders.get(ctx.config.gateway.entityId))!.settings;
  const faults = [...user.faults, ...(user.nextFaults?.faults ?? [])];
  const now = ctx.clock.now();
  const m = previewModel({ user, faults, settings, sp: sp ?? undefined, idpEntityId: ctx.idpConfig.entityId, now });
  return {
    nameId: m.nameId,
    nameIdFormat: m.nameIdFormat,
    attributes: m.attributes,
    sessionNotOnOrAfter: m.sessionNotOnOrAfter,
    assertionLifetime: m.notOnOrAfter - m.notBefore,
    signing: !m.signResponse && !m.signAssertion ? 'none (unsigned fault)' : `${[m.signResponse && 'Response', m.signAssertion && 'Assertion'].filter(Boolean).join(' and ')}, ${m.signatureAlgorithm.toUpperCase()}`,
    encryption: m.encryption ? `Assertion encrypted with ${m.encryption.toUpperCase()} + RSA-OAEP to the SP's certificate` : 'none',
    faults: user.faults,
    nextFaults: user.nextFaults,
    serviceAccount: readServiceAccount(m.attributes),
  };
}

/** The consent page: who signs in, to which SP, and what the assertion will say. */
export function showConfirm(ctx: IdpContext, req: Request, res: Response, status: number, user: IdpUser, p: PendingLogin | null, error?: string) {
  sendHtml(
    res,
    status,
    confirmLoginPage({
      username: user.username,
      displayName: user.displayName,
      needsPassword: user.password !== null,
      requestRef: p?.ref ?? null,
      spEntityId: p?.spEntityId ?? null,
      csrf: ctx.csrf.token(req, res),
      preview: previewFor(ctx, user, (p && ctx.serviceProviders.get(p.spEntityId)) ?? null),
      now: ctx.clock.now(),
      error,
    }),
  );
}
