/**
 * Projects (https://developer.hashicorp.com/terraform/enterprise/api-docs/projects):
 *   GET/POST /organizations/:org/projects     GET/PATCH/DELETE /projects/:id
 * Reads: any member; writes: can-create-project (organization:manage-projects); else 404 (T7).
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import { factsFor, organizationFor } from '../tfe/access.ts';
import { authorize, type OrganizationAction } from '../tfe/authorize.ts';
import type { Principal } from '../tfe/principal.ts';
import { createProject, deleteProject, ensureDefaultProject, PROJECT, updateProject, type Project, type ProjectAttributes } from '../tfe/projects.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, paginationLinks, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { principalOf } from './principal.ts';

const attributes = z.object({
  name: z.string({ error: "Name can't be blank" }),
  description: z.string({ error: 'must be a string' }).max(256, { error: 'description is at most 256 characters' }).nullable(),
}).partial();
const createBody = z.object({ data: z.object({ type: z.literal('projects', { error: 'must be "projects"' }).optional(), attributes: attributes.extend({ name: z.string({ error: "Name can't be blank" }) }) }) });
const updateBody = z.object({ data: z.object({ type: z.literal('projects', { error: 'must be "projects"' }).optional(), id: z.string().optional(), attributes: attributes.default({}) }) });

function projectResource(p: Project, orgName: string) {
  return {
    id: p.id,
    type: 'projects',
    attributes: { name: p.attributes.name, description: p.attributes.description, 'created-at': iso(p.createdAt), 'is-default': p.attributes.isDefault },
    relationships: { organization: { data: { id: orgName, type: 'organizations' } } },
    links: { self: `/api/v2/projects/${p.id}` },
  };
}

export function addProjectRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const load = async (p: Principal, id: string, action: OrganizationAction) => {
    const project = await ctx.store.resources.get<ProjectAttributes>(PROJECT, id);
    const org = project && (await ctx.store.organizations.get(project.organizationId));
    if (!project || !org) return undefined;
    return authorize(await factsFor(ctx, p, org), action) ? { project, org } : undefined;
  };

  router.get('/organizations/:org/projects', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org, 'organization:read');
    if (!found) return sendNotFound(res);
    await ensureDefaultProject(ctx.tfe, found.org.id);
    const page = readPage(req);
    const q = typeof req.query.q === 'string' ? req.query.q.toLowerCase() : undefined;
    const all = (await ctx.store.resources.listAll<ProjectAttributes>(PROJECT, { organizationId: found.org.id })).filter((p) => !q || p.attributes.name.toLowerCase().includes(q));
    const data = all.slice((page.number - 1) * page.size, page.number * page.size).map((p) => projectResource(p, found.org.name));
    sendDocument(res, 200, { data, links: paginationLinks(`/api/v2/organizations/${encodeURIComponent(found.org.name)}/projects`, page, all.length), meta: paginationMeta(page, all.length) });
  });

  router.post('/organizations/:org/projects', async (req, res) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org, 'organization:manage-projects');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, createBody).data.attributes;
    sendDocument(res, 201, { data: projectResource(await createProject(ctx.tfe, found.org.id, a), found.org.name) });
  });

  router.get('/projects/:id', async (req, res) => {
    const found = await load(principalOf(req), req.params.id, 'organization:read');
    if (!found) return sendNotFound(res);
    sendDocument(res, 200, { data: projectResource(found.project, found.org.name) });
  });

  router.patch('/projects/:id', async (req, res) => {
    const found = await load(principalOf(req), req.params.id, 'organization:manage-projects');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, updateBody).data.attributes;
    sendDocument(res, 200, { data: projectResource(await updateProject(ctx.tfe, found.project, a), found.org.name) });
  });

  router.delete('/projects/:id', async (req, res) => {
    const found = await load(principalOf(req), req.params.id, 'organization:manage-projects');
    if (!found) return sendNotFound(res);
    await deleteProject(ctx.tfe, found.project);
    res.status(204).end();
  });
}
