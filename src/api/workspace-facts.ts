/**
 * Gathers the facts the workspace rules need (src/tfe/workspace-access.ts) for the workspace,
 * run, state and variable handlers: the caller's teams in the organization and their team access
 * on the workspace. Every lookup that fails, and every workspace the caller may not see, ends as
 * the same 404 (rule T7), so a token cannot tell "absent" from "hidden".
 */
import type { OrganizationRecord, TeamRecord, WorkspaceRecord } from '../store/types.ts';
import { authorize, type Action } from '../tfe/authorize.ts';
import type { Principal } from '../tfe/principal.ts';
import type { WorkspaceFacts } from '../tfe/workspace-access.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { callerTeams, organizationFor } from '../tfe/access.ts';
import { ApiInputError } from './jsonapi.ts';
export { readPage, paginationMeta } from './jsonapi.ts';


export interface OrgScope {
  organization: OrganizationRecord;
  teams: TeamRecord[];
}

/** The organization named in the path, if the caller may see it (`organization:read`, the organization rules). */
export async function loadOrganization(ctx: GatewayContext, p: Principal, name: string): Promise<OrgScope | undefined> {
  const found = await organizationFor(ctx, p, name, 'organization:read');
  return found && { organization: found.org, teams: await callerTeams(ctx, p, found.org.id) };
}

export interface WorkspaceScope extends OrgScope {
  workspace: WorkspaceRecord;
  facts: WorkspaceFacts;
  may(action: Action): boolean;
}

export async function scopeFor(ctx: GatewayContext, p: Principal, workspace: WorkspaceRecord, org?: OrgScope): Promise<WorkspaceScope | undefined> {
  const organization = org?.organization ?? (await ctx.store.organizations.get(workspace.organizationId));
  if (!organization) return undefined;
  const teams = org?.teams ?? (await callerTeams(ctx, p, organization.id));
  const teamAccess = teams.length ? await ctx.store.teamAccess.forWorkspace(workspace.id, teams.map((t) => t.id)) : [];
  const facts: WorkspaceFacts = { principal: p, teams, organization, workspace, teamAccess };
  const may = (action: Action) => authorize({ ...facts }, action);
  if (!may('workspace:read')) return undefined;
  return { organization, teams, workspace, facts, may };
}

/** A workspace by id, if the caller may read it. */
export async function loadWorkspaceById(ctx: GatewayContext, p: Principal, id: string): Promise<WorkspaceScope | undefined> {
  const workspace = await ctx.store.workspaces.get(id);
  return workspace ? scopeFor(ctx, p, workspace) : undefined;
}

/** A workspace by organization and name, if the caller may read it. */
export async function loadWorkspaceByName(ctx: GatewayContext, p: Principal, orgName: string, name: string): Promise<WorkspaceScope | undefined> {
  const org = await loadOrganization(ctx, p, orgName);
  if (!org) return undefined;
  const workspace = await ctx.store.workspaces.getByName(org.organization.id, name);
  return workspace ? scopeFor(ctx, p, workspace, org) : undefined;
}

/** The holder a lock, run or state version records for the caller. */
export function holderOf(p: Principal): { kind: 'user' | 'team' | 'organization'; id: string } {
  if (p.kind === 'user') return { kind: 'user', id: p.user.id };
  if (p.kind === 'team') return { kind: 'team', id: p.team.id };
  return { kind: 'organization', id: p.organization.id };
}

/** A 422 for one attribute, in the shape parseBody produces. */
export function invalid(pointer: string, detail: string): ApiInputError {
  return new ApiInputError([{ status: '422', title: 'invalid attribute', detail, source: { pointer } }]);
}


/** The express query-string parser keeps `page[number]` either flat or nested; read one string. */
export function queryString(query: Record<string, unknown>, key: string, nestedPath?: string[]): string | undefined {
  const flat = query[key];
  if (typeof flat === 'string') return flat;
  if (nestedPath) {
    let v: unknown = query;
    for (const k of nestedPath) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v === 'string') return v;
  }
  return undefined;
}
