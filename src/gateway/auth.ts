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

/** Resolves a token secret to a principal, or the 401 detail explaining why not. */
export async function authenticateToken(
  ctx: GatewayContext,
  secret: string,
  api: Api,
): Promise<{ ok: true; principal: Principal } | { ok: false; detail: string }> {
  // Malformed secrets never reach the store (and never get logged).
  if (!TOKEN_SHAPE.test(secret)) return { ok: false, detail: 'the token is not a valid API token' };
  return principalOfTokenHash(ctx, hashTokenSecret(secret), api, { use: true });
}

/**
 * The principal behind a stored token hash, judged now by the one token policy. `use`: this is a
 * call made with the token (recorded as last-used-at); a capability URL the token obtained
 * earlier is judged the same way but is not a use of the token.
 */
export async function principalOfTokenHash(
  ctx: GatewayContext,
  hash: string,
  api: Api,
  o: { use: boolean },
): Promise<{ ok: true; principal: Principal } | { ok: false; detail: string }> {
  const now = ctx.clock.now();
  const resolved = await resolveToken(ctx, hash, now);
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

const caches = new WeakMap<GatewayContext['store'], ResolvedTokenCache>();

/**
 * One indexed lookup (the token, its owner and, for user tokens, the owner's live session end),
 * skipped while nothing it reads has been written since (src/gateway/resolved-token-cache.ts).
 */
async function resolveToken(ctx: GatewayContext, hash: string, now: number): Promise<ResolvedToken | undefined> {
  const store = ctx.store;
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new ResolvedTokenCache()));
  const generation = store.authDataGeneration();
  const hit = cache.get(hash, generation, now);
  if (hit) return hit;
  const resolved = await store.tokens.resolve(hash, now);
  // Unknown hashes are not kept: a client guessing secrets must not be able to flush the cache.
  return resolved && cache.set(hash, generation, now, resolved);
}

/** TFE shows last-used-at to the minute: write it at most once a minute per token, off the response path. */
const TOUCH_GRANULARITY_MS = 60_000;
function touchCoalesced(ctx: GatewayContext, tokenId: string, lastUsedAt: number | null, now: number) {
  if (lastUsedAt !== null && now - lastUsedAt < TOUCH_GRANULARITY_MS && now >= lastUsedAt) return;
  recordTokenUse(ctx.tfe, tokenId, now).catch((err) => ctx.logger.warn({ err, tokenId }, 'could not record token use'));
}

/** /api/v2 authentication: bearer token first, then the browser session with its CSRF header. */
export function requireApiPrincipal(ctx: GatewayContext): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const secret = extractBearer(header);
      if (!secret) return unauthorized(res, 'the Authorization header must be "Bearer <token>"');
      const result = await authenticateToken(ctx, secret, 'v2');
      if (!result.ok) return unauthorized(res, result.detail);
      if (!withinRateLimit(ctx.rateLimiter, result.principal, req, res)) return;
      req.principal = result.principal;
      return next();
    }
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
