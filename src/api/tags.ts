/**
 * Tags: GET/POST/DELETE /workspaces/:id/relationships/tags, GET/DELETE /organizations/:org/tags.
 * A workspace's tags are changed by whoever may update the workspace (as its `tag-names`);
 * deleting tags organization-wide is can-manage-tags (organization:manage-workspaces); listing is
 * any member. Anything else is 404 (T7).
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import { organizationFor } from '../tfe/access.ts';
import { allWorkspaces, checkTagName, organizationTags, tagId } from '../tfe/tags.ts';
import { updateWorkspace } from '../tfe/workspaces.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { invalid, loadWorkspaceById } from './workspace-facts.ts';
import { principalOf } from './principal.ts';

const tagRef = z.object({ type: z.literal('tags', { error: 'must be "tags"' }), id: z.string().optional(), attributes: z.object({ name: z.string({ error: 'must be a string' }) }).optional() });
const tagsBody = z.object({ data: z.array(tagRef, { error: 'send {"data":[{"type":"tags","attributes":{"name":"..."}}]}' }) });
const idsBody = z.object({ data: z.array(z.object({ type: z.literal('tags', { error: 'must be "tags"' }), id: z.string({ error: 'must be a tag id' }) }), { error: 'send {"data":[{"type":"tags","id":"tag-..."}]}' }) });

const tagResource = (t: { id: string; name: string; instanceCount: number }) => ({ id: t.id, type: 'tags', attributes: { name: t.name, 'instance-count': t.instanceCount } });

export function addTagRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  router.get('/workspaces/:id/relationships/tags', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope) return sendNotFound(res);
    const all = new Map((await organizationTags(ctx.store, scope.organization.id)).map((t) => [t.name, t]));
    sendDocument(res, 200, { data: scope.workspace.settings.tagNames.map((n) => tagResource(all.get(n) ?? { id: tagId(scope.organization.id, n), name: n, instanceCount: 1 })) });
  });

  for (const [method, add] of [['post', true], ['delete', false]] as const) {
    router[method]('/workspaces/:id/relationships/tags', async (req, res) => {
      const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
      if (!scope || !scope.may('workspace:update')) return sendNotFound(res);
      const refs = parseBody(req, tagsBody).data;
      // A tag is named, or (TFE) given by the id of a tag the organization already has.
      const known = new Map((await organizationTags(ctx.store, scope.organization.id)).map((t) => [t.id, t.name]));
      const names = refs.map((r, i) => {
        if (r.attributes?.name !== undefined) return checkTagName(r.attributes.name);
        const byId = r.id && known.get(r.id);
        if (!byId) throw invalid(`/data/${i}`, 'a tag needs attributes.name, or the id of an existing tag');
        return byId;
      });
      const current = new Set(scope.workspace.settings.tagNames);
      for (const n of names) add ? current.add(n) : current.delete(n);
      if (current.size > 100) throw invalid('/data', 'a workspace has at most 100 tags');
      await updateWorkspace(ctx, scope.workspace.id, { settings: { tagNames: [...current] } });
      res.status(204).end();
    });
  }

  router.get('/organizations/:org/tags', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org, 'organization:read');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const q = typeof req.query.q === 'string' ? req.query.q.toLowerCase() : undefined;
    const tags = (await organizationTags(ctx.store, found.org.id)).filter((t) => !q || t.name.toLowerCase().includes(q));
    const data = tags.slice((page.number - 1) * page.size, page.number * page.size).map(tagResource);
    sendDocument(res, 200, { data, links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/tags`, page, tags.length), meta: paginationMeta(page, tags.length) });
  });

  router.delete('/organizations/:org/tags', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org, 'organization:manage-workspaces');
    if (!found) return sendNotFound(res);
    const ids = new Set(parseBody(req, idsBody).data.map((t) => t.id));
    for (const ws of await allWorkspaces(ctx.store, found.org.id)) {
      const kept = ws.settings.tagNames.filter((n) => !ids.has(tagId(found.org.id, n)));
      if (kept.length !== ws.settings.tagNames.length) await updateWorkspace(ctx, ws.id, { settings: { tagNames: kept } });
    }
    res.status(204).end();
  });
}
