/**
 * User API tokens, TFE's paths and shapes:
 *   POST/GET /api/v2/users/:id/authentication-tokens, GET/DELETE /api/v2/authentication-tokens/:id
 * A user manages only their own tokens; anything else is 404 (rule T7). The secret is in the 201
 * only, with Cache-Control: no-store (sendSecret, as team and organization tokens).
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { UserRecord } from '../store/types.ts';
import { authorize } from '../tfe/authorize.ts';
import type { Principal } from '../tfe/principal.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { createUserToken, revokeToken } from '../tfe/tokens.ts';
import { paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound, sendSecret } from './jsonapi.ts';
import { tokenResource } from './serializers.ts';
import { principalOf } from './principal.ts';

const createTokenBody = z.object({
  data: z.object({
    type: z.literal('authentication-tokens', { error: 'must be "authentication-tokens"' }).optional(),
    attributes: z
      .object({
        description: z.string().max(255).nullish(),
        'expired-at': z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z' }).nullish(),
      })
      .default({}),
  }),
});

/** The user whose tokens are addressed, when the caller may manage them (else undefined -> 404, T7). */
async function ownTokenOwner(ctx: GatewayContext, principal: Principal, userId: string): Promise<UserRecord | undefined> {
  const user = principal.kind === 'user' && principal.user.id === userId ? principal.user : await ctx.store.users.get(userId);
  return user && authorize({ principal, teams: [], user }, 'user:manage-tokens') ? user : undefined;
}

export function addUserTokenRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.post('/users/:id/authentication-tokens', async (req, res) => {
    const owner = await ownTokenOwner(ctx, principalOf(req), req.params.id as string);
    if (!owner) return sendNotFound(res);
    const body = parseBody(req, createTokenBody);
    const expiredAtRaw = body.data.attributes['expired-at'];
    const expiredAt = expiredAtRaw ? Date.parse(expiredAtRaw) : null;
    // A token born expired is refused by the domain (TfeError invalid, expired-at: 422 as before).
    const { token, secret } = await createUserToken(ctx.tfe, owner.id, {
      description: body.data.attributes.description ?? null,
      expiredAt,
    });
    ctx.logger.info({ tokenId: token.id, userId: owner.id }, 'user token created');
    // The secret is in this response only (T5): regression, it was the one token response without no-store.
    sendSecret(res, tokenResource(token, secret));
  });

  router.get('/users/:id/authentication-tokens', async (req, res) => {
    if (!(await ownTokenOwner(ctx, principalOf(req), req.params.id as string))) return sendNotFound(res);
    // Paginated (TFE: page[number]/page[size], 20 by default): one user with 20,001 tokens once
    // got a single 5.4 MB answer.
    const page = readPage(req);
    const result = await ctx.store.tokens.listByOwner('user', req.params.id, page);
    sendDocument(res, 200, {
      data: result.items.map((t) => tokenResource(t)),
      links: paginationLinks(`/api/v2/users/${req.params.id}/authentication-tokens`, page, result.total),
      meta: paginationMeta(page, result.total),
    });
  });

  // An id that is no API token may be an agent token (agent-pools.ts): pass it on.
  router.get('/authentication-tokens/:id', async (req, res, next) => {
    const token = await ctx.store.tokens.get(req.params.id);
    if (!token) return next();
    if (!token || token.kind !== 'user' || !(await ownTokenOwner(ctx, principalOf(req), token.ownerId))) return sendNotFound(res);
    sendDocument(res, 200, { data: tokenResource(token) });
  });

  router.delete('/authentication-tokens/:id', async (req, res, next) => {
    const token = await ctx.store.tokens.get(req.params.id);
    if (!token) return next();
    if (!token || token.kind !== 'user' || !(await ownTokenOwner(ctx, principalOf(req), token.ownerId))) return sendNotFound(res);
    await revokeToken(ctx.tfe, token.id);
    ctx.logger.info({ tokenId: token.id }, 'user token revoked');
    res.status(204).end();
  });
}
