/**
 * Small request and response helpers the IdP's route groups share: reading one form or query
 * field, the raw query string (detached signatures are over it, bindings 3.4.4.1), HTML answers,
 * a message to an SP through the browser, and the CSRF refusal page.
 */
import type { Request, Response } from 'express';
import { csrfFailureReason } from './csrf.ts';
import type { IdpContext } from './context.ts';
import type { Outgoing } from './slo.ts';
import { autoPostPage, errorPage } from './views.ts';

/** One value per field (SP-SECURITY PARAM1); arrays from repeated fields are refused. */
export function field(source: unknown, name: string): string | undefined {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

export const rawQueryOf = (req: Request) => (req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');

export const sendHtml = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);

/** Sends a message to an SP by its binding: a redirect, or the auto-posting form. */
export function sendToSp(res: Response, out: Outgoing, note?: string) {
  if (out.kind === 'redirect') return res.redirect(302, out.url);
  sendHtml(res, 200, autoPostPage({ action: out.action, field: out.field, samlResponse: out.value, relayState: out.relayState, note }));
}

/** A POSTed form must carry this browser's CSRF token (and no foreign Origin). */
export function csrfRefused(ctx: Pick<IdpContext, 'csrf' | 'logger'>, req: Request, res: Response): boolean {
  const failure = ctx.csrf.check(req, req.body?.csrf);
  if (!failure) return false;
  ctx.logger.warn({ event: 'idp.csrf.refused', path: req.path, failure }, 'form refused: CSRF check failed');
  sendHtml(
    res,
    403,
    errorPage(
      'Form refused',
      csrfFailureReason(failure, req.get('origin')),
      failure === 'duplicate-cookie'
        ? 'Clear this browser\'s cookies for the IdP\'s host, then reload the <a href="/login">login page</a> (or the page you came from) and submit the form there; for a login, start again at the service provider.'
        : 'Reload the <a href="/login">login page</a> (or the page you came from) and submit the form from there; for a login, start again at the service provider.',
    ),
  );
  return true;
}
