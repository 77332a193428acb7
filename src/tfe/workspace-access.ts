/**
 * Who may do what on a workspace (rule T3), called by authorize() for every `workspace:*` action.
 * Pure and synchronous; table-tested in test/tfe/workspace-access.test.ts.
 *
 * TFE's model (docs: "Permissions" and the "Team access" API, team-workspaces):
 * - Each team has at most one team-access record per workspace with a level: read, plan, write,
 *   admin, or custom. Each fixed level implies a set of fine-grained permissions (impliedBy...).
 *   A user in several teams gets, for each permission, the most permissive of their teams.
 * - The owners team (its members and its team token) has admin on every workspace; so does a team
 *   with the organization-level "manage-workspaces" permission; "read-workspaces" gives read.
 * - A team token acts with exactly its own team's access (its team is the only one in `teams`).
 * - An organization token manages the organization's resources (workspaces, settings, team
 *   access, variables, locks, state reads) but never starts work: "organization API tokens ...
 *   do not have permission to perform plans and applies" — no runs, applies, discards, cancels,
 *   configuration versions or state versions. TFE answers those with 404 (rule T7).
 * - Site admins may do everything.
 */
import type {
  AccessLevel,
  OrganizationRecord,
  RunsPermission,
  StateVersionsPermission,
  TeamAccessRecord,
  TeamRecord,
  VariablesPermission,
  WorkspacePermissionSet,
  WorkspaceRecord,
} from '../store/types.ts';
import { actingTeams as actingTeamsOf, type Principal } from './principal.ts';

export const WORKSPACE_ACTIONS = [
  'workspace:create',
  'workspace:read',
  'workspace:update',
  'workspace:destroy',
  'workspace:lock',
  'workspace:force-unlock',
  'workspace:manage-team-access',
  'workspace:read-variables',
  'workspace:manage-variables',
  'workspace:read-state',
  'workspace:read-state-outputs',
  'workspace:create-state-version',
  'workspace:create-configuration-version',
  'workspace:queue-run',
  'workspace:apply-run',
  'workspace:discard-run',
  'workspace:cancel-run',
  'workspace:force-cancel-run',
] as const;
export type WorkspaceAction = (typeof WORKSPACE_ACTIONS)[number];

export interface WorkspaceFacts {
  principal: Principal;
  /** The caller's teams in the workspace's organization (ignored for team tokens: they act through their own team only). */
  teams: TeamRecord[];
  organization?: OrganizationRecord;
  /** Absent only for workspace:create. */
  workspace?: WorkspaceRecord;
  /** The team-access records of `teams` on `workspace`. */
  teamAccess: TeamAccessRecord[];
}

/** The fine-grained permissions each fixed level implies (TFE team-access API, "access"). */
export const LEVEL_PERMISSIONS: Record<Exclude<AccessLevel, 'custom'>, WorkspacePermissionSet> = {
  read: { runs: 'read', variables: 'read', stateVersions: 'read', sentinelMocks: 'none', workspaceLocking: false, runTasks: false },
  plan: { runs: 'plan', variables: 'read', stateVersions: 'read', sentinelMocks: 'none', workspaceLocking: false, runTasks: false },
  write: { runs: 'apply', variables: 'write', stateVersions: 'write', sentinelMocks: 'read', workspaceLocking: true, runTasks: false },
  admin: { runs: 'apply', variables: 'write', stateVersions: 'write', sentinelMocks: 'read', workspaceLocking: true, runTasks: true },
};

/** TFE's defaults for a custom level's permissions that the request leaves out. */
export const CUSTOM_DEFAULTS: WorkspacePermissionSet = { runs: 'read', variables: 'none', stateVersions: 'none', sentinelMocks: 'none', workspaceLocking: false, runTasks: false };

/** The fine-grained permissions as TFE's team-access API names them, and as its errors call them. */
export const FINE_GRAINED: ReadonlyArray<readonly [attr: string, field: keyof WorkspacePermissionSet, label: string]> = [
  ['runs', 'runs', 'Runs'],
  ['variables', 'variables', 'Variables'],
  ['state-versions', 'stateVersions', 'State versions'],
  ['sentinel-mocks', 'sentinelMocks', 'Sentinel mocks'],
  ['workspace-locking', 'workspaceLocking', 'Workspace locking'],
  ['run-tasks', 'runTasks', 'Run tasks'],
];

/**
 * The permissions a team-access record gets: a fixed level's implied set, or for `custom` the
 * `base` (TFE's defaults on create, the record's own on update) with what was given. Giving a
 * fine-grained permission with a fixed level is refused, naming each one as TFE does.
 */
export function permissionSetFor(
  access: AccessLevel,
  given: Partial<WorkspacePermissionSet>,
  base: WorkspacePermissionSet,
): { ok: true; permissions: WorkspacePermissionSet } | { ok: false; readOnly: Array<{ attr: string; detail: string }> } {
  const present = FINE_GRAINED.filter(([, field]) => given[field] !== undefined);
  if (access !== 'custom') {
    if (present.length) {
      return { ok: false, readOnly: present.map(([attr, , label]) => ({ attr, detail: `${label} is read-only when access level is '${access}'; use the 'custom' access level to set this attribute.` })) };
    }
    return { ok: true, permissions: { ...LEVEL_PERMISSIONS[access] } };
  }
  const permissions: WorkspacePermissionSet = {
    runs: given.runs ?? base.runs,
    variables: given.variables ?? base.variables,
    stateVersions: given.stateVersions ?? base.stateVersions,
    sentinelMocks: given.sentinelMocks ?? base.sentinelMocks,
    workspaceLocking: given.workspaceLocking ?? base.workspaceLocking,
    runTasks: given.runTasks ?? base.runTasks,
  };
  return { ok: true, permissions };
}

const RUNS_RANK: Record<RunsPermission, number> = { read: 1, plan: 2, apply: 3 };
const VARIABLES_RANK: Record<VariablesPermission, number> = { none: 0, read: 1, write: 2 };
const STATE_RANK: Record<StateVersionsPermission, number> = { none: 0, 'read-outputs': 1, read: 2, write: 3 };

/** What the caller may do on a workspace, before the organization-token restrictions. */
export interface EffectiveAccess {
  /** No access at all: the workspace is invisible (404). */
  none: boolean;
  /** Admin: settings, delete, team access, force-unlock, force-cancel. */
  admin: boolean;
  permissions: WorkspacePermissionSet;
}

const NO_ACCESS: EffectiveAccess = { none: true, admin: false, permissions: { ...CUSTOM_DEFAULTS, runs: 'read' } };
const FULL_ACCESS: EffectiveAccess = { none: false, admin: true, permissions: LEVEL_PERMISSIONS.admin };

/**
 * Whether the caller sees every workspace of the organization without team access: site admins,
 * the organization's own token, owners, and teams with "manage-workspaces" or "read-workspaces".
 */
export function seesAllWorkspaces(p: Principal, teams: TeamRecord[], organizationId: string): boolean {
  if (p.kind === 'user' && p.user.isSiteAdmin) return true;
  if (p.kind === 'organization') return p.organization.id === organizationId;
  return actingTeamsOf(p, teams, organizationId).some((t) => (t.isOwners || t.organizationAccess['manage-workspaces'] === true || t.organizationAccess['read-workspaces'] === true));
}

/** The union of the caller's team-access records and organization-level team rights. */
export function effectiveAccess(f: WorkspaceFacts): EffectiveAccess {
  const p = f.principal;
  if (p.kind === 'user' && p.user.isSiteAdmin) return FULL_ACCESS;
  if (p.kind === 'organization') return f.organization && p.organization.id === f.organization.id ? FULL_ACCESS : NO_ACCESS;
  const teams = actingTeams(f);
  if (teams.some((t) => t.isOwners || t.organizationAccess['manage-workspaces'] === true)) return FULL_ACCESS;
  let acc: EffectiveAccess = NO_ACCESS;
  const grant = (level: AccessLevel, set: WorkspacePermissionSet) => {
    const cur = acc.none ? null : acc.permissions;
    acc = {
      none: false,
      admin: acc.admin || level === 'admin',
      permissions: cur
        ? {
            runs: RUNS_RANK[set.runs] > RUNS_RANK[cur.runs] ? set.runs : cur.runs,
            variables: VARIABLES_RANK[set.variables] > VARIABLES_RANK[cur.variables] ? set.variables : cur.variables,
            stateVersions: STATE_RANK[set.stateVersions] > STATE_RANK[cur.stateVersions] ? set.stateVersions : cur.stateVersions,
            sentinelMocks: set.sentinelMocks === 'read' || cur.sentinelMocks === 'read' ? 'read' : 'none',
            workspaceLocking: set.workspaceLocking || cur.workspaceLocking,
            runTasks: set.runTasks || cur.runTasks,
          }
        : { ...set },
    };
  };
  if (teams.some((t) => t.organizationAccess['read-workspaces'] === true)) grant('read', LEVEL_PERMISSIONS.read);
  const teamIds = new Set(teams.map((t) => t.id));
  for (const ta of f.teamAccess) {
    if (!teamIds.has(ta.teamId) || ta.workspaceId !== f.workspace?.id) continue;
    grant(ta.access, ta.access === 'custom' ? ta : LEVEL_PERMISSIONS[ta.access]);
  }
  return acc;
}

const actingTeams = (f: WorkspaceFacts): TeamRecord[] => actingTeamsOf(f.principal, f.teams, f.organization?.id);

/** Actions an organization token may never take (T3). */
const ORGANIZATION_TOKEN_REFUSED: ReadonlySet<WorkspaceAction> = new Set<WorkspaceAction>([
  'workspace:create-configuration-version',
  'workspace:create-state-version',
  'workspace:queue-run',
  'workspace:apply-run',
  'workspace:discard-run',
  'workspace:cancel-run',
  'workspace:force-cancel-run',
]);

export function authorizeWorkspace(f: WorkspaceFacts, action: WorkspaceAction): boolean {
  const p = f.principal;
  if (!f.organization) return false;
  if (p.kind === 'organization' && ORGANIZATION_TOKEN_REFUSED.has(action)) return false;
  if (p.kind !== 'user' && p.organization.id !== f.organization.id) return false;
  if (action === 'workspace:create') {
    if (p.kind === 'user' && p.user.isSiteAdmin) return true;
    if (p.kind === 'organization') return true;
    // TFE: owners and teams with "manage-workspaces" create workspaces.
    return actingTeams(f).some((t) => t.isOwners || t.organizationAccess['manage-workspaces'] === true);
  }
  if (!f.workspace || f.workspace.organizationId !== f.organization.id) return false;
  const a = effectiveAccess(f);
  if (a.none) return false;
  const perm = a.permissions;
  switch (action) {
    case 'workspace:read':
      return true;
    case 'workspace:update':
    case 'workspace:destroy':
    case 'workspace:force-unlock':
    case 'workspace:manage-team-access':
    case 'workspace:force-cancel-run':
      return a.admin;
    case 'workspace:lock':
      return perm.workspaceLocking;
    case 'workspace:read-variables':
      return perm.variables !== 'none';
    case 'workspace:manage-variables':
      return perm.variables === 'write';
    case 'workspace:read-state':
      return perm.stateVersions === 'read' || perm.stateVersions === 'write';
    case 'workspace:read-state-outputs':
      return perm.stateVersions !== 'none';
    case 'workspace:create-state-version':
      return perm.stateVersions === 'write';
    case 'workspace:create-configuration-version':
    case 'workspace:queue-run':
    case 'workspace:cancel-run':
      return perm.runs === 'plan' || perm.runs === 'apply';
    case 'workspace:apply-run':
    case 'workspace:discard-run':
      return perm.runs === 'apply';
    default: {
      const never: never = action;
      return never;
    }
  }
}

/**
 * TFE's workspace `permissions` object for the caller, derived from the same decisions so what
 * the API says a token may do and what it lets the token do cannot disagree.
 */
export function workspacePermissions(f: WorkspaceFacts): Record<string, boolean> {
  const may = (a: WorkspaceAction) => authorizeWorkspace(f, a);
  const admin = may('workspace:update');
  return {
    'can-update': admin,
    'can-destroy': may('workspace:destroy'),
    'can-queue-run': may('workspace:queue-run'),
    'can-read-run': may('workspace:read'),
    'can-read-variable': may('workspace:read-variables'),
    'can-update-variable': may('workspace:manage-variables'),
    'can-read-state-versions': may('workspace:read-state'),
    'can-read-state-outputs': may('workspace:read-state-outputs'),
    'can-create-state-versions': may('workspace:create-state-version'),
    'can-queue-apply': may('workspace:apply-run'),
    'can-lock': may('workspace:lock'),
    'can-unlock': may('workspace:lock'),
    'can-force-unlock': may('workspace:force-unlock'),
    'can-read-settings': admin,
    'can-manage-tags': admin,
    'can-manage-run-tasks': admin,
    'can-force-delete': admin,
    'can-manage-assessments': admin,
    'can-read-assessment-results': may('workspace:read'),
    'can-queue-destroy': may('workspace:apply-run'),
  };
}

/** TFE's run `permissions` object for the caller. */
export function runPermissions(f: WorkspaceFacts): Record<string, boolean> {
  return {
    'can-apply': authorizeWorkspace(f, 'workspace:apply-run'),
    'can-cancel': authorizeWorkspace(f, 'workspace:cancel-run'),
    'can-comment': authorizeWorkspace(f, 'workspace:read'),
    'can-discard': authorizeWorkspace(f, 'workspace:discard-run'),
    'can-force-execute': authorizeWorkspace(f, 'workspace:apply-run'),
    'can-force-cancel': authorizeWorkspace(f, 'workspace:force-cancel-run'),
    'can-override-policy-check': authorizeWorkspace(f, 'workspace:update'),
  };
}
