/**
 * TFE "Organization Tokens" API (rules T1, T2, T5): one token per organization.
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/organization-tokens
 *   POST/GET/DELETE /api/v2/organizations/:name/authentication-token
 * Managed by owners, the owners team's token and the organization token itself (T2); POST again
 * regenerates and the old secret is refused at once (T1).
 */
import type { Router } from 'express';
import type { OrganizationRecord, TokenRecord } from '../store/types.ts';
import { principalUser } from '../tfe/principal.ts';
import { deleteSingularToken, generateOrganizationToken } from '../tfe/tokens.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { organizationFor } from '../tfe/access.ts';
import { sendDocument, sendNotFound, sendSecret } from './jsonapi.ts';
import { tokenResource } from './serializers.ts';
import { readTokenBody } from './token-body.ts';
import { principalOf } from './principal.ts';

const orgToken = (token: TokenRecord, organization: OrganizationRecord, secret: string | null = null) => tokenResource(token, secret, { organization });

export function addOrganizationTokenRoutes(router: Router, ctx: GatewayContext): void {
  router.post('/organizations/:name/authentication-token', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:manage-token');
    if (!found) return sendNotFound(res);
    const { expiredAt } = readTokenBody(req);
    const created = await generateOrganizationToken(ctx.tfe, principalOf(req), found.org, { expiredAt, createdById: principalUser(principalOf(req))?.id ?? null });
    ctx.logger.info({ organization: found.org.name, tokenId: created.token.id, replaced: created.replaced }, created.replaced ? 'organization token regenerated' : 'organization token created');
    sendSecret(res, orgToken(created.token, found.org, created.secret));
  });

  router.get('/organizations/:name/authentication-token', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:manage-token');
    if (!found) return sendNotFound(res);
    const token = await ctx.store.tokens.getSingular('organization', found.org.id);
    if (!token) return sendNotFound(res);
    sendDocument(res, 200, { data: orgToken(token, found.org) });
  });

  router.delete('/organizations/:name/authentication-token', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.name, 'organization:manage-token');
    if (!found) return sendNotFound(res);
    if (!(await deleteSingularToken(ctx.tfe, 'organization', found.org.id))) return sendNotFound(res);
    ctx.logger.info({ organization: found.org.name }, 'organization token revoked');
    res.status(204).end();
  });
}
