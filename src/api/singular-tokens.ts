/**
 * The singular token of a team or an organization (T1: one per owner, its secret shown once,
 * regenerating invalidates the old one): GET and DELETE of `<owner>/authentication-token` answer
 * the same way for both owners, so they are written once here; each family says how its token
 * is generated (a team token reads the whole token body, an organization token only the expiry).
 */
import type { Request } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import type { TokenRecord } from '../store/types.ts';
import { deleteSingularToken, type NewToken } from '../tfe/tokens.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { sendDocument, sendNotFound, sendSecret } from './jsonapi.ts';

export interface SingularTokenOwner<O> {
  kind: 'team' | 'organization';
  /** The owner, if the caller may manage its token (else 404, T7). */
  load(req: Request): Promise<O | undefined>;
  idOf(owner: O): string;
  /** T1: creates or regenerates the owner's one token; `replaced` is the id that died. */
  generate(req: Request, owner: O): Promise<NewToken & { replaced: string | null }>;
  resource(token: TokenRecord, owner: O, secret?: string | null): unknown;
  /** What the revocation log line names the owner by. */
  logFields(owner: O): Record<string, unknown>;
}

export function addSingularTokenRoutes<O>(router: ApiRoutes, ctx: GatewayContext, path: string, owner: SingularTokenOwner<O>): void {
  router.post(path, async (req, res) => {
    const found = await owner.load(req);
    if (!found) return sendNotFound(res);
    const created = await owner.generate(req, found);
    ctx.logger.info({ ...owner.logFields(found), tokenId: created.token.id, replaced: created.replaced }, `${owner.kind} token ${created.replaced ? 'regenerated' : 'created'}`);
    sendSecret(res, owner.resource(created.token, found, created.secret));
  });

  router.get(path, async (req, res) => {
    const found = await owner.load(req);
    if (!found) return sendNotFound(res);
    const token = await ctx.store.tokens.getSingular(owner.kind, owner.idOf(found));
    if (!token) return sendNotFound(res);
    sendDocument(res, 200, { data: owner.resource(token, found) });
  });

  router.delete(path, async (req, res) => {
    const found = await owner.load(req);
    if (!found) return sendNotFound(res);
    if (!(await deleteSingularToken(ctx.tfe, owner.kind, owner.idOf(found)))) return sendNotFound(res);
    ctx.logger.info(owner.logFields(found), `${owner.kind} token revoked`);
    res.status(204).end();
  });
}
