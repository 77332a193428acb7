/**
 * What every gateway page's frame shows besides the page itself: when the web session ends
 * (the countdown) and where the dev-clock buttons send the browser back to.
 */
import type { Request } from 'express';
import type { GatewayContext } from '../gateway/context.ts';
import { safeReturnPath, sessionLiveUntil } from '../gateway/web-session.ts';

export interface PageChrome {
  /** End of the signed-in web session as this request leaves it (S1), for the countdown. */
  sessionEndsAt?: number;
  /** This page, to come back to after a dev-clock move. */
  returnTo: string;
}

export function pageChrome(ctx: GatewayContext, req: Request): PageChrome {
  const login = req.webUser ? req.session?.login : undefined;
  return { ...(login ? { sessionEndsAt: sessionLiveUntil(login, ctx.policy) } : {}), returnTo: returnPath(req) };
}

/**
 * A page rendered by a form POST (a new token's secret) has no GET of its own: go back to the page
 * that posted the form, taken from the same-origin Referer, or home.
 */
function returnPath(req: Request): string {
  if (req.method === 'GET') return safeReturnPath(req.originalUrl);
  const referer = req.get('referer');
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    return url.host === req.get('host') ? safeReturnPath(url.pathname + url.search) : '/';
  } catch {
    return '/';
  }
}
