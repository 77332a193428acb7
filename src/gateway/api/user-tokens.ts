/**
 * User API tokens, TFE's paths and shapes:
 *   POST/GET /api/v2/users/:id/authentication-tokens, GET/DELETE /api/v2/authentication-tokens/:id
 * A user manages only their own tokens; anything else is 404 (rule T7). The secret is in the 201
 * only, with Cache-Control: no-store (sendSecret, as team and organization tokens).
 */
import type { Router } from 'express';
import { z } from 'zod';
import type { TokenRecord, UserRecord } from '../../store/types.ts';
import { authorize } from '../../tfe/authorize.ts';
import type { Principal } from '../../tfe/principal.ts';
import type { GatewayContext } from '../context.ts';
import { generateTokenSecret, hashTokenSecret } from '../tokens.ts';
import { ApiInputError, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound, sendSecret } from './jsonapi.ts';
import { tokenResource } from './serializers.ts';

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

/** Domain: create a user token and return the record plus its one-time secret. */
export async function createUserToken(
  ctx: GatewayContext,
  userId: string,
  input: { description: string | null; expiredAt: number | null },
): Promise<{ token: TokenRecord; secret: string }> {
  const secret = generateTokenSecret(ctx.ids);
  const token: TokenRecord = {
    id: `at-${ctx.ids.random(16)}`,
    kind: 'user',
    ownerId: userId,
    description: input.description,
    secretHash: hashTokenSecret(secret),
    createdAt: ctx.clock.now(),
    lastUsedAt: null,
    expiredAt: input.expiredAt,
    createdById: userId,
    singular: false,
  };
  await ctx.store.tokens.create(token);
  ctx.logger.info({ tokenId: token.id, userId }, 'user token created');
  return { token, secret };
}

/** The user whose tokens are addressed, when the caller may manage them (else undefined -> 404, T7). */
async function ownTokenOwner(ctx: GatewayContext, principal: Principal, userId: string): Promise<UserRecord | undefined> {
  const user = principal.kind === 'user' && principal.user.id === userId ? principal.user : await ctx.store.users.get(userId);
  return user && authorize({ principal, teams: [], user }, 'user:manage-tokens') ? user : undefined;
}

export function addUserTokenRoutes(router: Router, ctx: GatewayContext): void {
  router.post('/users/:id/authentication-tokens', async (req, res) => {
    const owner = await ownTokenOwner(ctx, req.principal!, req.params.id as string);
    if (!owner) return sendNotFound(res);
    const body = parseBody(req, createTokenBody);
    const expiredAtRaw = body.data.attributes['expired-at'];
    const expiredAt = expiredAtRaw ? Date.parse(expiredAtRaw) : null;
    if (expiredAt !== null && expiredAt <= ctx.clock.now()) {
      // A token born expired would be shown once and never work: refuse it rather than accept it silently.
      throw new ApiInputError([{ status: '422', title: 'invalid attribute', detail: `expired-at must be in the future (now is ${new Date(ctx.clock.now()).toISOString()})`, source: { pointer: '/data/attributes/expired-at' } }]);
    }
    const { token, secret } = await createUserToken(ctx, owner.id, {
      description: body.data.attributes.description ?? null,
      expiredAt,
    });
    // The secret is in this response only (T5): regression, it was the one token response without no-store.
    sendSecret(res, tokenResource(token, secret));
  });

  router.get('/users/:id/authentication-tokens', async (req, res) => {
    if (!(await ownTokenOwner(ctx, req.principal!, req.params.id as string))) return sendNotFound(res);
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
    if (!token || token.kind !== 'user' || !(await ownTokenOwner(ctx, req.principal!, token.ownerId))) return sendNotFound(res);
    sendDocument(res, 200, { data: tokenResource(token) });
  });

  router.delete('/authentication-tokens/:id', async (req, res, next) => {
    const token = await ctx.store.tokens.get(req.params.id);
    if (!token) return next();
    if (!token || token.kind !== 'user' || !(await ownTokenOwner(ctx, req.principal!, token.ownerId))) return sendNotFound(res);
    await ctx.store.tokens.delete(token.id);
    ctx.logger.info({ tokenId: token.id }, 'user token revoked');
    res.status(204).end();
  });
}
