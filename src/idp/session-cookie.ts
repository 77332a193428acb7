/**
 * The IdP session as the browser carries it (cookie `samlgate_idp`): which session a request
 * belongs to, starting one at a login, ending one at logout or "switch user".
 */
import type { Request, Response } from 'express';
import type { IdpContext } from './context.ts';
import { readCookie } from './cookies.ts';
import type { IdpUser } from './directory.ts';
import { IDP_SESSION_COOKIE, type IdpSession } from './sessions.ts';

type SessionDeps = Pick<IdpContext, 'sessions' | 'directory'>;

const cookieOptions = (secure: boolean) => ({ httpOnly: true, sameSite: 'lax' as const, secure, path: '/' });

/** A session whose user was deleted from the directory since is no session. */
export function currentSession(ctx: SessionDeps, req: Request): IdpSession | undefined {
  const s = ctx.sessions.get(readCookie(req, IDP_SESSION_COOKIE));
  return s && ctx.directory.get(s.username) ? s : undefined;
}

/** A new login replaces whatever session the browser had (switch user, ForceAuthn). */
export function startSession(ctx: SessionDeps & Pick<IdpContext, 'secureCookie' | 'idpConfig'>, req: Request, res: Response, user: IdpUser): IdpSession {
  ctx.sessions.destroy(readCookie(req, IDP_SESSION_COOKIE));
  const session = ctx.sessions.create(user.username);
  res.cookie(IDP_SESSION_COOKIE, session.id, { ...cookieOptions(ctx.secureCookie), maxAge: ctx.idpConfig.sessionDuration });
  return session;
}

export function endSession(ctx: Pick<IdpContext, 'sessions' | 'secureCookie'>, req: Request, res: Response): IdpSession | undefined {
  const id = readCookie(req, IDP_SESSION_COOKIE);
  const session = ctx.sessions.get(id);
  ctx.sessions.destroy(id);
  res.clearCookie(IDP_SESSION_COOKIE, cookieOptions(ctx.secureCookie));
  return session;
}
