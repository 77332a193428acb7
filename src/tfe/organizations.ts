/**
 * Organizations (TFE "Organizations" API): create with its owners team, update, delete, the
 * embedded `example-org`, and which S1 limits apply to a user's web session.
 * No HTTP here: src/api/organizations.ts is the thin adapter.
 */
import { StoreConflictError, type OrganizationPatch, type OrganizationRecord, type Page, type TeamRecord } from '../store/types.ts';
import { newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';

/** TFE: organization names are letters, numbers, `-` and `_`. */
export const ORGANIZATION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** TFE's defaults for session-timeout and session-remember (minutes). */
export const DEFAULT_SESSION_MINUTES = 20160;

/** The attributes TFE round-trips that samlgate stores but does not act on, with TFE's defaults. */
export const DEFAULT_ORGANIZATION_ATTRIBUTES: Record<string, unknown> = {
  'collaborator-auth-policy': 'password',
  'cost-estimation-enabled': true,
  'send-passing-statuses-for-untriggered-speculative-plans': false,
  'assessments-enforced': false,
  'allow-force-delete-workspaces': false,
  'default-execution-mode': 'remote',
};

export const OWNERS_TEAM = 'owners';

export interface OrganizationInput {
  name: string;
  email: string;
  sessionTimeoutMinutes?: number;
  sessionRememberMinutes?: number;
  ownersTeamSamlRoleId?: string | null;
  attributes?: Record<string, unknown>;
}

function conflictAsTfe(err: unknown, name: string): never {
  if (err instanceof StoreConflictError) throw new TfeError('taken', `an organization named ${name} already exists; pick another name`, 'name');
  throw err;
}

export function ownersTeamRecord(deps: TfeDeps, organizationId: string): TeamRecord {
  return {
    id: newId(deps.ids, 'team'),
    organizationId,
    name: OWNERS_TEAM,
    ssoTeamId: null,
    visibility: 'organization',
    // The owners team holds every organization permission (TFE shows them all as true).
    organizationAccess: Object.fromEntries(ORGANIZATION_ACCESS_FLAGS.map((f) => [f, true])),
    allowMemberTokenManagement: true,
    isOwners: true,
    createdAt: deps.clock.now(),
  };
}

/** TFE team `organization-access` flags (all false for a new team unless set). */
export const ORGANIZATION_ACCESS_FLAGS = [
  'manage-policies',
  'manage-policy-overrides',
  'manage-workspaces',
  'manage-vcs-settings',
  'manage-providers',
  'manage-modules',
  'manage-run-tasks',
  'manage-projects',
  'read-workspaces',
  'read-projects',
  'manage-membership',
  'manage-teams',
  'manage-organization-access',
  'access-secret-teams',
  'manage-agent-pools',
] as const;

/**
 * Creates the organization with its owners team; the creator (if a user) becomes its first
 * owner and an active member, as in TFE.
 */
export async function createOrganization(deps: TfeDeps, input: OrganizationInput, creator: { id: string; email: string } | null): Promise<OrganizationRecord> {
  const org: OrganizationRecord = {
    id: newId(deps.ids, 'org'),
    name: input.name,
    email: input.email,
    createdAt: deps.clock.now(),
    sessionTimeoutMinutes: input.sessionTimeoutMinutes ?? DEFAULT_SESSION_MINUTES,
    sessionRememberMinutes: input.sessionRememberMinutes ?? DEFAULT_SESSION_MINUTES,
    ownersTeamSamlRoleId: input.ownersTeamSamlRoleId ?? null,
    attributes: { ...DEFAULT_ORGANIZATION_ATTRIBUTES, ...(input.attributes ?? {}) },
  };
  const owners = ownersTeamRecord(deps, org.id);
  await deps.store.organizations.create(org, owners, creator?.id ?? null).catch((err) => conflictAsTfe(err, input.name));
  if (creator) {
    await deps.store.orgMemberships.create({
      id: newId(deps.ids, 'ou'),
      organizationId: org.id,
      email: creator.email,
      userId: creator.id,
      status: 'active',
      initialTeamIds: [],
      createdAt: org.createdAt,
    }).catch((err) => {
      if (!(err instanceof StoreConflictError)) throw err;
    });
  }
  return org;
}

export async function updateOrganization(deps: TfeDeps, org: OrganizationRecord, patch: OrganizationPatch): Promise<OrganizationRecord> {
  const next = patch.attributes ? { ...patch, attributes: { ...org.attributes, ...patch.attributes } } : patch;
  const updated = await deps.store.organizations.update(org.id, next).catch((err) => conflictAsTfe(err, patch.name ?? org.name));
  if (!updated) throw new TfeError('not-found', `organization ${org.name} no longer exists`);
  return updated;
}

export async function deleteOrganization(deps: TfeDeps, org: OrganizationRecord): Promise<void> {
  await deps.store.organizations.delete(org.id);
}

/** Every organization, page by page (login sync, limits): the store caps nothing, we ask 100 at a time. */
export async function* allOrganizations(deps: Pick<TfeDeps, 'store'>, opts: { userId?: string } = {}): AsyncGenerator<OrganizationRecord> {
  for (let page: Page = { number: 1, size: 100 }; ; page = { ...page, number: page.number + 1 }) {
    const { items, total } = await deps.store.organizations.list(page, opts);
    yield* items;
    if (page.number * page.size >= total || items.length === 0) return;
  }
}

export interface EmbeddedOrganization {
  name: string;
  sessionTimeoutMinutes: number;
  sessionRememberMinutes: number;
}

/**
 * The embedded organization (DESIGN 2: `example-org` with teams `owners` and `developers`),
 * created at start if missing and left alone if present (restarts keep what users changed).
 * Its owners team is matched by MemberOf `owners` (owners-team-saml-role-id), so carol's
 * assertion makes her an owner and alice's and bob's put them in developers.
 */
export async function ensureEmbeddedOrganization(deps: TfeDeps, o: EmbeddedOrganization): Promise<OrganizationRecord> {
  let org = await deps.store.organizations.getByName(o.name);
  if (!org) {
    try {
      org = await createOrganization(deps, {
        name: o.name,
        email: `admin@${o.name}.local`,
        sessionTimeoutMinutes: o.sessionTimeoutMinutes,
        sessionRememberMinutes: o.sessionRememberMinutes,
        ownersTeamSamlRoleId: OWNERS_TEAM,
      }, null);
    } catch (err) {
      // Another instance created it meanwhile: use theirs.
      if (!(err instanceof TfeError && err.code === 'taken')) throw err;
      org = (await deps.store.organizations.getByName(o.name))!;
    }
  }
  if (!(await deps.store.teams.getByName(org.id, 'developers'))) {
    await deps.store.teams.create({
      id: newId(deps.ids, 'team'),
      organizationId: org.id,
      name: 'developers',
      ssoTeamId: null,
      visibility: 'organization',
      organizationAccess: { 'read-workspaces': true, 'read-projects': true },
      allowMemberTokenManagement: true,
      isOwners: false,
      createdAt: deps.clock.now(),
    }).catch((err) => {
      if (!(err instanceof StoreConflictError)) throw err;
    });
  }
  return org;
}

export interface SessionLimits {
  idleTimeoutMs: number;
  sessionExpirationMs: number;
}

/**
 * Rule S1's limits for a user: each organization sets session-timeout (idle) and
 * session-remember (absolute) in minutes. TFE's documentation does not say which organization's
 * values govern a person who belongs to several; samlgate applies the strictest of them (the
 * shortest idle timeout and the shortest expiration, each on its own), because a session that
 * outlived any one organization's policy would break that organization's rule. The gateway's
 * configured limits (--idle-timeout, --session-expiration) are the site-wide ceiling: an
 * organization can shorten them, not extend them (and a user in no organization gets them as
 * they are). That also keeps sub-minute flags such as `--idle-timeout 90s` exact although
 * organizations count in whole minutes.
 * Only organizations the user is an ACTIVE member of count: an invitation the user has not
 * accepted must not let another organization's owners cut short the user's sessions (and, by
 * rule S2, tokens) in every other organization.
 */
export async function sessionLimitsFor(deps: Pick<TfeDeps, 'store'>, userId: string, ceiling: SessionLimits): Promise<SessionLimits> {
  let idle = ceiling.idleTimeoutMs;
  let remember = ceiling.sessionExpirationMs;
  for (const m of await deps.store.orgMemberships.listByUser(userId)) {
    if (m.status !== 'active') continue;
    const org = await deps.store.organizations.get(m.organizationId);
    if (!org) continue;
    idle = Math.min(idle, org.sessionTimeoutMinutes * 60_000);
    remember = Math.min(remember, org.sessionRememberMinutes * 60_000);
  }
  return { idleTimeoutMs: idle, sessionExpirationMs: remember };
}

/** TFE's entitlement set: samlgate reproduces a fully licensed TFE, so every feature is on. */
export const ENTITLEMENTS = [
  'agents', 'audit-logging', 'cost-estimation', 'global-run-tasks', 'module-tests-generation', 'operations',
  'policy-enforcement', 'private-module-registry', 'private-policy-agents', 'private-vcs', 'run-tasks',
  'self-serve-billing', 'sentinel', 'sso', 'state-storage', 'teams', 'usage-reporting', 'user-limit', 'vcs-integrations',
] as const;
