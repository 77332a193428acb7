/**
 * TFE "Organization Tokens" API (rules T1, T2, T5): one token per organization.
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/organization-tokens
 *   POST/GET/DELETE /api/v2/organizations/:name/authentication-token
 * Managed by owners, the owners team's token and the organization token itself (T2); POST again
 * regenerates and the old secret is refused at once (T1).
 */
import type { ApiRoutes } from '../http/route-table.ts';
import type { OrganizationRecord, TokenRecord } from '../store/types.ts';
import { principalUser } from '../tfe/principal.ts';
import { generateOrganizationToken } from '../tfe/tokens.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { organizationFor } from '../tfe/access.ts';
import { addSingularTokenRoutes } from './singular-tokens.ts';
import { tokenResource } from './serializers.ts';
import { readTokenBody } from './token-body.ts';
import { principalOf } from './principal.ts';

const orgToken = (token: TokenRecord, organization: OrganizationRecord, secret: string | null = null) => tokenResource(token, secret, { organization });

export function addOrganizationTokenRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  addSingularTokenRoutes(router, ctx, '/organizations/:name/authentication-token', {
    kind: 'organization',
    load: async (req) => (await organizationFor(ctx, principalOf(req), req.params.name as string, 'organization:manage-token'))?.org,
    idOf: (org) => org.id,
    generate: (req, org) => generateOrganizationToken(ctx.tfe, principalOf(req), org, { expiredAt: readTokenBody(req).expiredAt, createdById: principalUser(principalOf(req))?.id ?? null }),
    resource: orgToken,
    logFields: (org) => ({ organization: org.name }),
  });
}
