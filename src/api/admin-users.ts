/**
 * TFE's admin users API: list, suspend, unsuspend (rule S4). Site admins only; everyone else
 * gets 404 so the endpoints' existence is not revealed (rule T7).
 */
import type { NextFunction, Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { maySite } from '../tfe/access.ts';
import { principalUser } from '../tfe/principal.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { setSuspended } from '../tfe/users.ts';
import type { UserFilter } from '../store/types.ts';
import { ApiInputError, paginationLinks, paginationMeta, readPage, sendDocument, sendError, sendNotFound } from './jsonapi.ts';
import { adminUserResource } from './serializers.ts';
import { principalOf } from './principal.ts';

/** TFE's boolean filters take "true"/"false"; anything else is a 422 naming the parameter. */
function boolFilter(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ApiInputError([{ status: '422', title: 'invalid parameter', detail: `${name} must be true or false`, source: { parameter: name } }]);
}

function requireSiteAdmin(req: Request, res: Response, next: NextFunction) {
  if (!req.principal || !maySite(req.principal, 'site:admin')) return sendNotFound(res);
  next();
}

export function addAdminUserRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.use('/admin', requireSiteAdmin);

  // TFE: q (username or email substring), filter[admin], filter[suspended]; samlgate adds
  // filter[service-account] (rule F1's flag as last synced).
  router.get('/admin/users', async (req, res) => {
    const page = readPage(req);
    const filter: UserFilter = {};
    if (typeof req.query.q === 'string' && req.query.q !== '') filter.q = req.query.q;
    const admin = boolFilter(req.query['filter[admin]'], 'filter[admin]');
    const suspended = boolFilter(req.query['filter[suspended]'], 'filter[suspended]');
    const serviceAccount = boolFilter(req.query['filter[service-account]'], 'filter[service-account]');
    if (admin !== undefined) filter.siteAdmin = admin;
    if (suspended !== undefined) filter.suspended = suspended;
    if (serviceAccount !== undefined) filter.serviceAccount = serviceAccount;
    const result = await ctx.store.users.list(filter, page);
    sendDocument(res, 200, {
      data: result.items.map(adminUserResource),
      links: paginationLinks('/api/v2/admin/users', page, result.total),
      meta: paginationMeta(page, result.total),
    });
  });

  for (const action of ['suspend', 'unsuspend'] as const) {
    router.post(`/admin/users/:id/actions/${action}`, async (req, res) => {
      const result = await setSuspended(ctx, req.params.id as string, action === 'suspend');
      if (!result.ok) {
        if (result.reason === 'not-found') return sendNotFound(res);
        // Nobody could unsuspend anyone: the site would have no administrator left.
        if (result.reason === 'last-site-admin') return sendError(res, 422, 'unprocessable entity', 'this is the last active site admin: make another user a site admin (SiteAdmin=true or site-admins in MemberOf at their next login) before suspending this one');
        return sendError(res, 400, 'bad request', `user is already ${action === 'suspend' ? 'suspended' : 'active'}`);
      }
      ctx.logger.info({ userId: result.user.id, by: principalUser(principalOf(req))?.id }, `user ${action}ed`);
      sendDocument(res, 200, { data: adminUserResource(result.user) });
    });
  }
}
