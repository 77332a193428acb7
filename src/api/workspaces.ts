/**
 * Workspaces, TFE's paths and shapes (API docs: "Workspaces"):
 *   GET/POST /api/v2/organizations/:org/workspaces          list (search[name], page) / create
 *   GET/PATCH/DELETE /api/v2/organizations/:org/workspaces/:name
 *   GET/PATCH/DELETE /api/v2/workspaces/:id
 *   POST /api/v2/workspaces/:id/actions/lock | unlock | force-unlock   (409 when already so)
 * Who may do what is src/tfe/workspace-access.ts; everything hidden is a 404 (T7).
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { OrganizationRecord, TeamAccessRecord, WorkspaceRecord, WorkspaceSettings } from '../store/types.ts';
import { authorize } from '../tfe/authorize.ts';
import { isKnownTerraformVersion } from '../tfe/terraform-versions.ts';
import { seesAllWorkspaces } from '../tfe/workspace-access.ts';
import { projectForWorkspace } from '../tfe/projects.ts';
import { createWorkspace, deleteWorkspace, lockWorkspace, unlockWorkspace, updateWorkspace, WORKSPACE_NAME } from '../tfe/workspaces.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { withSshKey } from './ssh-keys.ts';
import {
  holderOf,
  invalid,
  loadOrganization,
  loadWorkspaceById,
  loadWorkspaceByName,
  readPage,
  paginationMeta,
  queryString,
  type OrgScope,
  type WorkspaceScope,
} from './workspace-facts.ts';
import { includedOrganization, workspaceResource } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

const attributes = z
  .object({
    name: z.string({ error: 'must be a string' }).regex(WORKSPACE_NAME, { error: 'can only include letters, numbers, - and _ (1 to 90 characters)' }),
    description: z.string().max(2000).nullable(),
    'auto-apply': z.boolean(),
    'allow-destroy-plan': z.boolean(),
    'execution-mode': z.enum(['remote', 'local', 'agent'], { error: 'must be one of remote, local, agent' }),
    operations: z.boolean(),
    'file-triggers-enabled': z.boolean(),
    'queue-all-runs': z.boolean(),
    'speculative-enabled': z.boolean(),
    'terraform-version': z.string().refine(isKnownTerraformVersion, { error: 'must be a released Terraform version such as 1.9.8 (or "latest")' }),
    'trigger-prefixes': z.array(z.string().max(1024)).max(100),
    'trigger-patterns': z.array(z.string().max(1024)).max(100),
    'working-directory': z.string().max(1024).refine((s) => !s.split('/').includes('..'), { error: 'must stay inside the configuration (no "..")' }),
    'global-remote-state': z.boolean(),
    'source-name': z.string().max(255).nullable(),
    'source-url': z.url().nullable(),
    'tag-names': z.array(z.string().regex(/^[a-z0-9:_-]{1,255}$/i, { error: 'tags are letters, numbers, -, _ and :' })).max(100),
    'agent-pool-id': z.string().nullable(),
    'setting-overwrites': z.object({ 'execution-mode': z.boolean({ error: 'must be true or false' }), 'agent-pool': z.boolean({ error: 'must be true or false' }) }).partial(),
    'vcs-repo': z.null({ error: 'VCS connections are not simulated by samlgate; leave vcs-repo out or null' }),
  })
  .partial();

const body = (nameRequired: boolean) =>
  z.object({
    data: z.object({
      type: z.literal('workspaces', { error: 'must be "workspaces"' }).optional(),
      attributes: nameRequired ? attributes.required({ name: true }) : attributes.default({}),
      // TFE: a workspace belongs to one project (the Default Project when none is named).
      relationships: z.object({ project: z.object({ data: z.object({ id: z.string().min(1), type: z.literal('projects', { error: 'must be "projects"' }).optional() }) }) }).partial().optional(),
    }),
  });

type Attributes = z.output<typeof attributes>;

/** The attributes -> settings, with TFE's cross-field rules as 422s. */
function settingsFrom(a: Attributes): Partial<WorkspaceSettings> {
  if (a.operations !== undefined && a['execution-mode'] !== undefined) {
    throw invalid('/data/attributes/operations', 'operations is deprecated and cannot be specified when execution-mode is used');
  }
  const agentPool = a['agent-pool-id'];
  if (a['execution-mode'] === 'agent' || (agentPool !== undefined && agentPool !== null)) {
    throw invalid(a['execution-mode'] === 'agent' ? '/data/attributes/execution-mode' : '/data/attributes/agent-pool-id', 'agent execution needs an agent pool, and samlgate simulates none; use execution-mode remote or local');
  }
  const s: Partial<WorkspaceSettings> = {};
  if (a.description !== undefined) s.description = a.description;
  if (a['auto-apply'] !== undefined) s.autoApply = a['auto-apply'];
  if (a['allow-destroy-plan'] !== undefined) s.allowDestroyPlan = a['allow-destroy-plan'];
  if (a['execution-mode'] !== undefined) s.executionMode = a['execution-mode'];
  if (a.operations !== undefined) s.executionMode = a.operations ? 'remote' : 'local';
  if (a['file-triggers-enabled'] !== undefined) s.fileTriggersEnabled = a['file-triggers-enabled'];
  if (a['queue-all-runs'] !== undefined) s.queueAllRuns = a['queue-all-runs'];
  if (a['speculative-enabled'] !== undefined) s.speculativeEnabled = a['speculative-enabled'];
  if (a['terraform-version'] !== undefined) s.terraformVersion = a['terraform-version'];
  if (a['trigger-prefixes'] !== undefined) s.triggerPrefixes = a['trigger-prefixes'];
  if (a['trigger-patterns'] !== undefined) s.triggerPatterns = a['trigger-patterns'];
  if (a['working-directory'] !== undefined) s.workingDirectory = a['working-directory'];
  if (a['global-remote-state'] !== undefined) s.globalRemoteState = a['global-remote-state'];
  if (a['source-name'] !== undefined) s.sourceName = a['source-name'];
  if (a['source-url'] !== undefined) s.sourceUrl = a['source-url'];
  if (a['tag-names'] !== undefined) s.tagNames = a['tag-names'];
  const o = a['setting-overwrites'];
  if (o !== undefined) s.settingOverwrites = { executionMode: o['execution-mode'] ?? true, agentPool: o['agent-pool'] ?? true };
  return s;
}

const nameTaken = (name: string) => invalid('/data/attributes/name', `name ${name} has already been taken in this organization`);

function wantsOrganization(req: Request): boolean {
  const include = queryString(req.query as Record<string, unknown>, 'include');
  return include !== undefined && include.split(',').includes('organization');
}

async function sendWorkspace(ctx: GatewayContext, res: Response, req: Request, status: number, scope: { workspace: WorkspaceRecord; organization: OrganizationRecord; facts: WorkspaceScope['facts'] }) {
  const doc: Record<string, unknown> = { data: await withSshKey(ctx, workspaceResource(scope.workspace, scope.organization, { ...scope.facts, workspace: scope.workspace })) };
  if (wantsOrganization(req)) doc.included = [includedOrganization(scope.organization)];
  sendDocument(res, status, doc);
}

export function addWorkspaceRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const byName = (req: Request) => loadWorkspaceByName(ctx, principalOf(req), req.params.org as string, req.params.name as string);
  const byId = (req: Request) => loadWorkspaceById(ctx, principalOf(req), req.params.id as string);

  router.get('/organizations/:org/workspaces', async (req, res) => {
    const org = await loadOrganization(ctx, principalOf(req), req.params.org);
    if (!org) return sendNotFound(res);
    const page = readPage(req);
    const search = queryString(req.query as Record<string, unknown>, 'search[name]', ['search', 'name']);
    const p = principalOf(req);
    const all = seesAllWorkspaces(p, org.teams, org.organization.id);
    const access: TeamAccessRecord[] = all || org.teams.length === 0 ? [] : await ctx.store.teamAccess.forTeams(org.teams.map((t) => t.id));
    const result = await ctx.store.workspaces.listByOrganization(org.organization.id, page, { search, ids: all ? undefined : [...new Set(access.map((a) => a.workspaceId))] });
    const data = await Promise.all(result.items.map((w) =>
      withSshKey(ctx, workspaceResource(w, org.organization, { principal: p, teams: org.teams, organization: org.organization, workspace: w, teamAccess: access.filter((a) => a.workspaceId === w.id) })),
    ));
    const doc: Record<string, unknown> = { data, meta: paginationMeta(page, result.total) };
    if (wantsOrganization(req)) doc.included = [includedOrganization(org.organization)];
    sendDocument(res, 200, doc);
  });

  router.post('/organizations/:org/workspaces', async (req, res) => {
    const org: OrgScope | undefined = await loadOrganization(ctx, principalOf(req), req.params.org);
    const facts = org && { principal: principalOf(req), teams: org.teams, organization: org.organization, teamAccess: [] };
    if (!org || !facts || !authorize(facts, 'workspace:create')) return sendNotFound(res);
    const { attributes: a, relationships } = parseBody(req, body(true)).data;
    const name = a.name!;
    const settings = settingsFrom(a);
    if (relationships?.project) settings.projectId = await projectForWorkspace(ctx.tfe, org.organization.id, relationships.project.data.id);
    const result = await createWorkspace(ctx, org.organization.id, name, settings);
    if (!result.ok) throw nameTaken(name);
    ctx.logger.info({ workspaceId: result.workspace.id, organization: org.organization.name }, 'workspace created');
    await sendWorkspace(ctx, res, req, 201, { workspace: result.workspace, organization: org.organization, facts: { ...facts, workspace: result.workspace } });
  });

  const show = (load: (req: Request) => Promise<WorkspaceScope | undefined>) => async (req: Request, res: Response) => {
    const scope = await load(req);
    if (!scope) return sendNotFound(res);
    await sendWorkspace(ctx, res, req, 200, scope);
  };
  router.get('/organizations/:org/workspaces/:name', show(byName));
  router.get('/workspaces/:id', show(byId));

  const update = (load: (req: Request) => Promise<WorkspaceScope | undefined>) => async (req: Request, res: Response) => {
    const scope = await load(req);
    if (!scope || !scope.may('workspace:update')) return sendNotFound(res);
    const { attributes: a, relationships } = parseBody(req, body(false)).data;
    const settings = settingsFrom(a);
    if (relationships?.project) settings.projectId = await projectForWorkspace(ctx.tfe, scope.workspace.organizationId, relationships.project.data.id);
    const result = await updateWorkspace(ctx, scope.workspace.id, { name: a.name, settings });
    if (!result.ok) {
      if (result.reason === 'name-taken') throw nameTaken(a.name!);
      return sendNotFound(res);
    }
    await sendWorkspace(ctx, res, req, 200, { ...scope, workspace: result.workspace });
  };
  router.patch('/organizations/:org/workspaces/:name', update(byName));
  router.patch('/workspaces/:id', update(byId));

  const destroy = (load: (req: Request) => Promise<WorkspaceScope | undefined>) => async (req: Request, res: Response) => {
    const scope = await load(req);
    if (!scope || !scope.may('workspace:destroy')) return sendNotFound(res);
    await deleteWorkspace(ctx, scope.workspace.id);
    ctx.logger.info({ workspaceId: scope.workspace.id }, 'workspace deleted');
    res.status(204).end();
  };
  router.delete('/organizations/:org/workspaces/:name', destroy(byName));
  router.delete('/workspaces/:id', destroy(byId));

  const lockBody = z.object({ reason: z.string().max(1000).nullish() }).passthrough();

  router.post('/workspaces/:id/actions/lock', async (req, res) => {
    const scope = await byId(req);
    if (!scope || !scope.may('workspace:lock')) return sendNotFound(res);
    const { reason } = parseBody(req, lockBody);
    const workspace = await lockWorkspace(ctx, scope.workspace.id, holderOf(principalOf(req)), reason ?? null);
    await sendWorkspace(ctx, res, req, 200, { ...scope, workspace });
  });

  const unlock = (force: boolean) => async (req: Request, res: Response) => {
    const scope = await byId(req);
    if (!scope || !scope.may(force ? 'workspace:force-unlock' : 'workspace:lock')) return sendNotFound(res);
    const workspace = await unlockWorkspace(ctx, scope.workspace.id, holderOf(principalOf(req)), force);
    await sendWorkspace(ctx, res, req, 200, { ...scope, workspace });
  };
  router.post('/workspaces/:id/actions/unlock', unlock(false));
  router.post('/workspaces/:id/actions/force-unlock', unlock(true));
}
