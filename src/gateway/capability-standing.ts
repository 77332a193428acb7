/**
 * Using a capability URL: the signature and expiry (capability-urls.ts), then the standing of the
 * credential that obtained it, judged NOW by the one token policy (src/tfe/token-validity.ts). Without the
 * second check a URL handed to a user kept working for its hour after the user was suspended
 * (S4) or their SSO session ended (S2): a bearer secret outliving the credential it came from.
 * Refusals answer as the API would answer that credential: 404 for a URL that is not valid,
 * 401 with the policy's reason for a minter who no longer stands.
 */
import type { Request, Response } from 'express';
import type { Principal } from '../tfe/principal.ts';
import { markSecret, sendError, sendNotFound } from '../api/jsonapi.ts';
import { principalOfTokenHash } from './auth.ts';
import type { CapabilityKind, Minter } from './capability-urls.ts';
import type { GatewayContext } from './context.ts';
import { decideSessionUserStanding } from '../tfe/token-validity.ts';
import { principalOf } from '../api/principal.ts';

/** The credential of the API call that is handing out a URL. */
export function minterOf(principal: Principal): Minter {
  return principal.via === 'token' ? { kind: 'token', tokenId: principal.token.id } : { kind: 'session', userId: principal.user.id };
}

/**
 * A capability URL for the caller of `req`, minted into `res`: that response now carries a
 * bearer secret, so it is marked no-store here, where the secret is put in, not by each handler.
 */
export function capabilityUrl(ctx: GatewayContext, req: Request, res: Response, kind: CapabilityKind, id: string): string {
  markSecret(res);
  return ctx.capabilities.url(kind, id, minterOf(principalOf(req)));
}

/** Whether the minter would still be let in; the 401 detail when not. */
export async function minterStanding(ctx: GatewayContext, minter: Minter): Promise<{ ok: true } | { ok: false; detail: string }> {
  if (minter.kind === 'token') {
    const token = await ctx.store.tokens.get(minter.tokenId);
    if (!token) return { ok: false, detail: 'the token that obtained this URL has been revoked' };
    // The URLs come from /api/v2 calls, so they are judged as v2 calls.
    const result = await principalOfTokenHash(ctx, token.secretHash, 'v2', { use: false });
    return result.ok ? { ok: true } : { ok: false, detail: `the token that obtained this URL is no longer valid: ${result.detail}` };
  }
  const now = ctx.clock.now();
  const user = await ctx.store.users.get(minter.userId);
  const webSessionLiveUntil = user ? await ctx.store.sessions.liveUntil(user.id, now) : null;
  const decision = decideSessionUserStanding({ user, now, webSessionLiveUntil, loginUrl: ctx.loginUrl });
  if (decision.ok) return { ok: true };
  ctx.logger.info({ userId: minter.userId, reason: decision.reason }, 'capability URL refused');
  return { ok: false, detail: decision.detail };
}

/**
 * The resource id `token` grants for `kind`, or undefined once the refusal has been sent.
 * Every capability handler starts here.
 */
export async function useCapability(ctx: GatewayContext, res: Response, token: string, kind: CapabilityKind): Promise<string | undefined> {
  const grant = ctx.capabilities.verify(token, kind);
  if (!grant) {
    sendNotFound(res);
    return undefined;
  }
  const standing = await minterStanding(ctx, grant.minter);
  if (!standing.ok) {
    sendError(res, 401, 'unauthorized', standing.detail);
    return undefined;
  }
  return grant.id;
}
