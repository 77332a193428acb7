/**
 * Runs on browser requests after express-session: ends logins that passed an S1 limit or whose
 * user was suspended, records web activity (lastSeenAt: the idle timeout's reference) and exposes
 * the live user as req.webUser. Requests carrying an API token skip all of this: token calls are
 * not web activity (rule S1) and should not pay for a session lookup.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { GatewayContext } from './context.ts';
import { SESSION_END_TEXT, sessionEndReason, sessionLiveUntil } from './web-session.ts';

export function webSessionMiddleware(ctx: GatewayContext): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const login = req.session?.login;
    if (!login) return next();
    const now = ctx.clock.now();
    const ended = sessionEndReason(login, ctx.policy, now);
    const user = ended ? undefined : await ctx.store.users.get(login.userId);
    if (ended || !user || user.isSuspended) {
      delete req.session.login;
      req.session.flash = ended ? SESSION_END_TEXT[ended] : 'Your account is suspended.';
      ctx.logger.info({ userId: login.userId, reason: ended ?? 'suspended' }, 'web session ended');
      // The story's time is when S1 ended it, not when the browser came back to notice.
      ctx.timeline.sessionEnded({ at: ended ? sessionLiveUntil(login, ctx.policy) : now, userId: login.userId, reason: ended ?? 'suspended' });
      return next();
    }
    login.lastSeenAt = now;
    req.webUser = user;
    next();
  };
}

/**
 * For state-changing requests: is the session this request loaded still live in the store? A
 * request can be held (a slow body, a slow client) across a logout or a suspension that happened
 * on another request; req.webUser was decided before that and must not be acted on
 * (regression: a held POST /app/settings/tokens created a token after logout). One indexed read.
 */
export async function sessionStillLive(ctx: GatewayContext, req: Request): Promise<boolean> {
  const userId = req.webUser?.id;
  if (!userId) return false;
  const record = await ctx.store.sessions.get(req.sessionID);
  return record !== undefined && record.userId === userId;
}
