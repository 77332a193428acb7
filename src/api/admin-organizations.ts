/**
 * TFE "Admin Organizations" API: list (with `q`), show, delete any organization (site admins; others 404).
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/admin/organizations
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { deleteOrganization } from '../tfe/organizations.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { paginationLinks, paginationMeta, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { adminOrganizationResource } from './serializers.ts';

export function addAdminOrganizationRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.get('/admin/organizations', async (req, res) => {
    const page = readPage(req);
    const q = typeof req.query.q === 'string' && req.query.q !== '' ? req.query.q : undefined;
    const result = await ctx.store.organizations.list(page, q ? { q } : {});
    sendDocument(res, 200, {
      data: result.items.map(adminOrganizationResource),
      links: paginationLinks('/api/v2/admin/organizations', page, result.total),
      meta: paginationMeta(page, result.total),
    });
  });

  router.get('/admin/organizations/:name', async (req, res) => {
    const org = await ctx.store.organizations.getByName(req.params.name);
    if (!org) return sendNotFound(res);
    sendDocument(res, 200, { data: adminOrganizationResource(org) });
  });

  router.delete('/admin/organizations/:name', async (req, res) => {
    const org = await ctx.store.organizations.getByName(req.params.name);
    if (!org) return sendNotFound(res);
    await deleteOrganization(ctx.tfe, org);
    ctx.logger.info({ organization: org.name }, 'organization deleted by a site admin');
    res.status(204).end();
  });
}
