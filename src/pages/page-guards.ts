/**
 * The guards every HTML form route uses, in one place: the form body parser, "signed in", and
 * CSRF + "the session is still live" (a form body may arrive long after its session was
 * loaded: a request held across a sign-out or a suspension must change nothing).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { maySite } from '../tfe/access.ts';
import type { UserPrincipal } from '../tfe/principal.ts';
import { csrfTokenMatches } from '../gateway/auth.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { pageContext } from '../sp/sp-routes.ts';
import { messagePage } from './views/pages.ts';
import { sessionStillLive } from '../gateway/web-session-middleware.ts';

export interface PageGuards {
  form: RequestHandler;
  signedIn: RequestHandler;
  csrf: RequestHandler;
  /** Site-admin pages: decided by authorize('site:admin') like the admin API; others get the same 404 as a missing page. */
  siteAdmin: RequestHandler;
}

/** The principal of a signed-in page request: the pages ask authorize() about it exactly as the API does. */
export function webPrincipal(req: Request): UserPrincipal {
  if (!req.webUser) throw new Error('webPrincipal() needs the signedIn guard first');
  return { kind: 'user', via: 'session', user: req.webUser };
}

export function pageGuards(ctx: GatewayContext): PageGuards {
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

  const signedIn = (req: Request, res: Response, next: NextFunction) => {
    if (!req.webUser) {
      const page = pageContext(ctx, req);
      return res.status(401).type('html').send(messagePage(page, 'Sign in required', page.flash ?? 'Sign in with SSO to see this page.'));
    }
    next();
  };

  const csrf = async (req: Request, res: Response, next: NextFunction) => {
    if (!csrfTokenMatches(req.session.csrfToken, req.body?._csrf)) {
      return res.status(403).type('html').send(messagePage(pageContext(ctx, req), 'Request refused', 'The form was missing its CSRF token; reload the page and try again.'));
    }
    if (!(await sessionStillLive(ctx, req))) {
      return res.status(401).type('html').send(messagePage({ ...pageContext(ctx, req), user: undefined, csrfToken: undefined }, 'Session ended', 'Your session ended (sign-out or suspension) while this request was on its way; nothing was changed. Sign in again to continue.'));
    }
    next();
  };

  const siteAdmin = (req: Request, res: Response, next: NextFunction) => {
    if (!req.webUser || !maySite(webPrincipal(req), 'site:admin')) return res.status(404).type('html').send(messagePage(pageContext(ctx, req), 'Not found', 'No such page.'));
    next();
  };

  return { form, signedIn, csrf, siteAdmin };
}
