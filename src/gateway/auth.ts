/**
 * Who is calling: a bearer token (API automation) or the browser session (the UI calling the API,
 * as TFE's UI does). Produces req.principal or answers 401. Token validity itself is decided by
 * decideTokenValidity() (src/tfe/token-validity.ts); this module only gathers the facts.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ResolvedToken, UserRecord } from '../store/types.ts';
import { ResolvedTokenCache } from './resolved-token-cache.ts';
import type { Principal } from '../tfe/principal.ts';
import type { GatewayContext } from './context.ts';
import { sendError } from '../api/jsonapi.ts';
import { decideTokenValidity, type Api } from '../tfe/token-validity.ts';
import { withinRateLimit } from './rate-limit.ts';
import { sessionStillLive } from './web-session-middleware.ts';
import { hashesEqual, hashTokenSecret, TOKEN_SHAPE } from '../tfe/token-secrets.ts';
import { recordTokenUse } from '../tfe/tokens.ts';

export type { Principal };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** Set by the web-session middleware when the browser has a live login. */
    webUser?: UserRecord;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function unauthorized(res: Response, detail: string) {
  sendError(res, 401, 'unauthorized', detail);
}

export function csrfTokenMatches(expected: string | undefined, given: unknown): boolean {
  if (typeof expected !== 'string' || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The secret of an `Authorization: Bearer <secret>` header (the legacy v1 API's `X-Atlas-Token`
 * is read in src/api/v1-state.ts). Header parsing, so it stays with the HTTP adapter; the
 * secret's format and hash are src/tfe/token-secrets.ts.
 */
export function extractBearer(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : null;
}

export type TokenAuthentication = { ok: true; principal: Principal } | { ok: false; detail: string };

/** Resolves a token secret to a principal, or the 401 detail explaining why not (judgeTokenHash: sync on a cache hit). */
export function authenticateToken(ctx: GatewayContext, secret: string, api: Api): TokenAuthentication | Promise<TokenAuthentication> {
  // Malformed secrets never reach the store (and never get logged).
  if (!TOKEN_SHAPE.test(secret)) return { ok: false, detail: 'the token is not a valid API token' };
  return judgeTokenHash(ctx, hashTokenSecret(secret), api, USE);
}

const USE = { use: true };

/**
 * The principal behind a stored token hash, judged now by the one token policy. `use`: this is a
 * call made with the token (recorded as last-used-at); a capability URL the token obtained
 * earlier is judged the same way but is not a use of the token.
 */
export async function principalOfTokenHash(ctx: GatewayContext, hash: string, api: Api, o: { use: boolean }): Promise<TokenAuthentication> {
  return judgeTokenHash(ctx, hash, api, o);
}

const caches = new WeakMap<GatewayContext['store'], ResolvedTokenCache>();
function cacheOf(store: GatewayContext['store']): ResolvedTokenCache {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new ResolvedTokenCache()));
  return cache;
}

/**
 * The token's rows (the token, its owner and, for user tokens, the owner's live session end) come
 * from the resolved-token cache while nothing they were read from has been written since
 * (src/gateway/resolved-token-cache.ts), else from one indexed lookup. On a cache hit (automation
 * reusing its token: every call after the first) the answer is synchronous, so the hot path of
 * /api/v2 takes no promise hops; a lookup answers with a promise. Both end in judgeToken().
 */
function judgeTokenHash(ctx: GatewayContext, hash: string, api: Api, o: { use: boolean }): TokenAuthentication | Promise<TokenAuthentication> {
  const { store } = ctx;
  const cache = cacheOf(store);
  const now = ctx.clock.now();
  // Read before the lookup: a write landing in between leaves an entry the next get() discards.
  const generation = store.authDataGeneration();
  const cached = cache.get(hash, generation, now);
  if (cached) return judgeToken(ctx, hash, api, o, now, cached);
  // Unknown hashes are not kept: a client guessing secrets must not be able to flush the cache.
  return store.tokens.resolve(hash, now).then((resolved) => judgeToken(ctx, hash, api, o, now, resolved && cache.set(hash, generation, now, resolved)));
}

/** The one judgement of a resolved token (or of none), whichever path resolved it. */
function judgeToken(ctx: GatewayContext, hash: string, api: Api, o: { use: boolean }, now: number, resolved: ResolvedToken | undefined): TokenAuthentication {
  if (!resolved || !hashesEqual(resolved.token.secretHash, hash)) return { ok: false, detail: 'the token is invalid or has been revoked' };
  const { token, user } = resolved;
  const decision = decideTokenValidity({
    token,
    owner: user,
    now,
    api,
    webSessionLiveUntil: resolved.webSessionLiveUntil,
    apiTokenTimeoutMs: ctx.samlSettings.apiTokenTimeoutMs(),
    loginUrl: ctx.loginUrl,
  });
  if (!decision.ok) {
    ctx.logger.info({ tokenId: token.id, reason: decision.reason }, 'token refused');
    ctx.timeline.tokenRefused({ at: now, userId: token.kind === 'user' ? token.ownerId : null, tokenId: token.id, tokenKind: token.kind, reason: decision.reason, detail: decision.detail }, user?.lastLoginAt ?? 0);
    return { ok: false, detail: decision.detail };
  }
  if (o.use) touchCoalesced(ctx, token.id, token.lastUsedAt, now);
  if (token.kind === 'user' && user) return { ok: true, principal: { kind: 'user', via: 'token', user, token } };
  if (token.kind === 'team' && resolved.team && resolved.organization) {
    return { ok: true, principal: { kind: 'team', via: 'token', token, team: resolved.team, organization: resolved.organization } };
  }
  if (token.kind === 'organization' && resolved.organization) {
    return { ok: true, principal: { kind: 'organization', via: 'token', token, organization: resolved.organization } };
  }
  return { ok: false, detail: 'the team or organization this token belongs to no longer exists' };
}

/** TFE shows last-used-at to the minute: write it at most once a minute per token, off the response path. */
const TOUCH_GRANULARITY_MS = 60_000;
function touchCoalesced(ctx: GatewayContext, tokenId: string, lastUsedAt: number | null, now: number) {
  if (lastUsedAt !== null && now - lastUsedAt < TOUCH_GRANULARITY_MS && now >= lastUsedAt) return;
  recordTokenUse(ctx.tfe, tokenId, now).catch((err) => ctx.logger.warn({ err, tokenId }, 'could not record token use'));
}

/** /api/v2 authentication: bearer token first, then the browser session with its CSRF header. */
export function requireApiPrincipal(ctx: GatewayContext): RequestHandler {
  const admitToken = (req: Request, res: Response, next: NextFunction, result: TokenAuthentication) => {
    if (!result.ok) return unauthorized(res, result.detail);
    if (!withinRateLimit(ctx.rateLimiter, result.principal, req, res)) return;
    req.principal = result.principal;
    next();
  };
  const viaSession = sessionPrincipal(ctx);
  // Not an async function: a token call whose rows are cached is admitted without a promise.
  return function requireApiPrincipal(req: Request, res: Response, next: NextFunction) {
    const header = req.headers.authorization;
    if (header === undefined) return viaSession(req, res, next);
    const secret = extractBearer(header);
    if (!secret) return unauthorized(res, 'the Authorization header must be "Bearer <token>"');
    const result = authenticateToken(ctx, secret, 'v2');
    // The router turns a rejection of the returned promise into next(err), as for any async handler.
    if (result instanceof Promise) return result.then((r) => admitToken(req, res, next, r));
    admitToken(req, res, next, result);
  };
}

/** A browser call of the API (no Authorization header): its session's user, with the CSRF header for writes. */
function sessionPrincipal(ctx: GatewayContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.webUser) {
      const principal: Principal = { kind: 'user', user: req.webUser, via: 'session' };
      // The session is a credential too (regression: session calls were never counted).
      if (!withinRateLimit(ctx.rateLimiter, principal, req, res)) return;
      if (!SAFE_METHODS.has(req.method) && !csrfTokenMatches(req.session?.csrfToken, req.get('x-csrf-token'))) {
        return sendError(res, 403, 'forbidden', 'session-authenticated requests that change state must send the X-CSRF-Token header from the page\'s <meta name="csrf-token">');
      }
      if (!SAFE_METHODS.has(req.method) && !(await sessionStillLive(ctx, req))) {
        return unauthorized(res, `the web session ended (sign-out or suspension) while this request was on its way; nothing was changed. Log in again at ${ctx.loginUrl}`);
      }
      req.principal = principal;
      return next();
    }
    unauthorized(res, `no API token or session: send "Authorization: Bearer <token>", or log in at ${ctx.loginUrl}`);
  };
}
