/**
 * The storage interface. Domain code (src/tfe/users.ts, src/tfe/) talks only to this; the
 * in-memory store (`--data :memory:`) and the SQLite store (the default) implement it, and the
 * contract suite in test/store/ runs against both, so PostgreSQL/Redis back ends can plug into
 * the same tests later.
 *
 * Shape rules every backend keeps:
 * - Every method is async, so a networked store fits the same shape.
 * - Records are plain JSON-able objects; times are epoch milliseconds (numbers).
 * - Records returned are copies: mutating one never changes stored state.
 * - State changes are single-step domain operations, each atomic (one transaction in SQL):
 *   never read-modify-write of a whole record by the caller. Concurrency and multi-process
 *   correctness must not depend on the caller's in-process locks.
 * - Uniqueness conflicts surface as a typed result or StoreConflictError, never a raw driver error.
 * - Lists that can grow without bound take a Page and return a Paged result with the true total.
 */

// ---------------------------------------------------------------------------------------------
// Common shapes

export type { Page, Paged } from './paging.ts';
import type { Page, Paged } from './paging.ts';

// ---------------------------------------------------------------------------------------------
// Users (gateway side)

/** What the gateway noticed about the last assertion that a person should see (issue: debug view). */
export interface LoginFinding {
  /** Stable code, e.g. `F1_NAME_CASE`. */
  code: string;
  message: string;
  fix: string;
}

export interface UserRecord {
  id: string; // TFE shape: user-<16 chars>
  username: string;
  email: string;
  isSiteAdmin: boolean;
  isSuspended: boolean;
  /** Rule F2: the flag as read from the assertion at the user's last login. */
  isServiceAccount: boolean;
  /** When isServiceAccount was last synced from an assertion (= last login). */
  serviceAccountSyncedAt: number;
  /** MemberOf values at the last login (team names or sso-team-ids), as sent. */
  memberOf: string[];
  /** Near-misses and warnings from the last login's assertion (e.g. `isServiceAccount` sent). */
  loginFindings: LoginFinding[];
  /** Rule S2's reference point for sso-api-token-session-timeout. */
  lastLoginAt: number;
  createdAt: number;
  /**
   * An email change asked for through PATCH /account/update (TFE `unconfirmed-email`): the email
   * itself is the NameID the IdP sends, so it stays; the next login clears this (absent = null).
   */
  unconfirmedEmail?: string | null;
}

/** The facts a verified assertion gives about a user (rule S5), as recordLogin takes them. */
export interface LoginInput {
  /** NameID, the email address (matched case-insensitively). */
  email: string;
  /** Already sanitized (src/tfe/users.ts). */
  username: string;
  isSiteAdmin: boolean;
  isServiceAccount: boolean;
  memberOf: string[];
  loginFindings: LoginFinding[];
  now: number;
  /** Id to use if this login creates the user. */
  newUserId: string;
}

export type LoginResult =
  | { ok: true; user: UserRecord; created: boolean }
  /** S4: a suspended user cannot log in; nothing was changed. */
  | { ok: false; reason: 'suspended'; user: UserRecord }
  /** The username is taken by a user with another email; nothing was changed. */
  | { ok: false; reason: 'username-taken'; owner: UserRecord };

export type SuspendResult =
  | { ok: true; user: UserRecord; sessionsEnded: number }
  | { ok: false; reason: 'not-found' | 'already' };

export interface UserFilter {
  /** Substring of username or email, case-insensitive (TFE admin users `q`). */
  q?: string;
  siteAdmin?: boolean;
  suspended?: boolean;
  serviceAccount?: boolean;
}

export interface UserStore {
  get(id: string): Promise<UserRecord | undefined>;
  getByEmail(email: string): Promise<UserRecord | undefined>;
  getByUsername(username: string): Promise<UserRecord | undefined>;
  /** Sorted by username. */
  list(filter: UserFilter, page: Page): Promise<Paged<UserRecord>>;
  count(filter?: UserFilter): Promise<number>;
  /**
   * Rules S5/F2 in one atomic step: creates the user or updates them from the assertion (email,
   * username, site admin, flag + its sync time, memberOf, findings, lastLoginAt). A suspended
   * user is refused without any change (and a suspension that commits while a login runs wins:
   * the check and the write are one transaction).
   */
  recordLogin(input: LoginInput): Promise<LoginResult>;
  /**
   * S4 as a compare-and-set: 'already' when the user is in that state. Suspending also ends every
   * web session of the user in the same transaction.
   */
  setSuspended(id: string, suspended: boolean): Promise<SuspendResult>;
  /** PATCH account/update: username and/or email. Conflicts throw StoreConflictError. */
  update(id: string, patch: { username?: string; email?: string; unconfirmedEmail?: string | null }): Promise<UserRecord | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Organizations, teams, memberships (the TFE model; src/tfe/ decides the rules)

export interface OrganizationRecord {
  /** Internal, stable id (TFE's `external-id`, `org-<16>`). The API addresses orgs by name. */
  id: string;
  /** Unique; renameable (PATCH name). */
  name: string;
  email: string;
  createdAt: number;
  /** TFE `session-timeout` (minutes): the idle limit of rule S1 for this organization. */
  sessionTimeoutMinutes: number;
  /** TFE `session-remember` (minutes): the absolute limit of rule S1. */
  sessionRememberMinutes: number;
  /** TFE `owners-team-saml-role-id`: the MemberOf value that puts a user in owners. */
  ownersTeamSamlRoleId: string | null;
  /** Every other TFE attribute the API round-trips (collaborator-auth-policy, cost-estimation-enabled...). */
  attributes: Record<string, unknown>;
}

export type OrganizationPatch = Partial<Omit<OrganizationRecord, 'id' | 'createdAt'>>;

/** TFE team `organization-access` flags (manage-workspaces, manage-policies, ...). */
export type OrganizationAccess = Record<string, boolean>;

export interface TeamRecord {
  id: string; // team-<16>
  organizationId: string;
  name: string;
  /** The value an IdP sends in MemberOf to mean this team (TFE `sso-team-id`). */
  ssoTeamId: string | null;
  visibility: 'secret' | 'organization';
  organizationAccess: OrganizationAccess;
  /** TFE `allow-member-token-management` (default true). */
  allowMemberTokenManagement: boolean;
  /** The owners team: exists in every organization, cannot be deleted or emptied. */
  isOwners: boolean;
  createdAt: number;
}

export type TeamPatch = Partial<Pick<TeamRecord, 'name' | 'ssoTeamId' | 'visibility' | 'organizationAccess' | 'allowMemberTokenManagement'>>;

/**
 * An organization membership (TFE `organization-memberships`). An invitation by email for a person
 * without an account (`userId` null) becomes active when their first SAML login creates the user;
 * one for an existing account names that user and stays `invited` until the user accepts it (an
 * organization's owners must not bind another tenant's users without their consent). Memberships
 * the IdP's MemberOf sync creates are active at once.
 */
export interface OrgMembershipRecord {
  id: string; // ou-<16>
  organizationId: string;
  email: string;
  userId: string | null;
  status: 'invited' | 'active';
  /** Teams the invitation adds the user to when it activates. */
  initialTeamIds: string[];
  createdAt: number;
}

export interface OrganizationStore {
  get(id: string): Promise<OrganizationRecord | undefined>;
  getByName(name: string): Promise<OrganizationRecord | undefined>;
  /** Sorted by name. `userId`: only organizations where that user is in a team or an active member (an invitation is not membership). */
  list(page: Page, opts?: { userId?: string; q?: string }): Promise<Paged<OrganizationRecord>>;
  /**
   * Creates the organization with its owners team in one step, adding `firstOwnerUserId` (if any)
   * to owners. A taken name throws StoreConflictError.
   */
  create(org: OrganizationRecord, ownersTeam: TeamRecord, firstOwnerUserId: string | null): Promise<void>;
  /** A taken name throws StoreConflictError. */
  update(id: string, patch: OrganizationPatch): Promise<OrganizationRecord | undefined>;
  /** Deletes the organization with its teams, memberships and team/organization tokens. */
  delete(id: string): Promise<boolean>;
}

export type MemberChange =
  | { ok: true; changed: number }
  /** Removing these members would leave the owners team empty; nothing was changed. */
  | { ok: false; reason: 'last-owner' | 'team-not-found' | 'user-not-found' };

export interface TeamStore {
  get(id: string): Promise<TeamRecord | undefined>;
  getByName(organizationId: string, name: string): Promise<TeamRecord | undefined>;
  getOwners(organizationId: string): Promise<TeamRecord | undefined>;
  /** Sorted by name. */
  listByOrganization(organizationId: string, page: Page, opts?: { names?: string[]; q?: string }): Promise<Paged<TeamRecord>>;
  /** A taken name in the organization throws StoreConflictError. */
  create(team: TeamRecord): Promise<void>;
  update(id: string, patch: TeamPatch): Promise<TeamRecord | undefined>;
  /** Deletes the team, its memberships and its tokens; the owners team is refused ('owners'). */
  delete(id: string): Promise<'deleted' | 'not-found' | 'owners'>;

  /** Idempotent: already-members are not counted in `changed`. */
  addMembers(teamId: string, userIds: string[]): Promise<MemberChange>;
  /** Refuses (changing nothing) if it would empty the owners team. */
  removeMembers(teamId: string, userIds: string[]): Promise<MemberChange>;
  /** The members, sorted by username. */
  listMembers(teamId: string, page: Page): Promise<Paged<UserRecord>>;
  /** Every team the user is in, across organizations (the authorization module's input). */
  teamsOfUser(userId: string): Promise<TeamRecord[]>;
  /**
   * MemberOf sync at login (team management on): in one step, make the user's memberships in
   * `organizationId` exactly `teamIds` (added to those, removed from the others), except that the
   * sync never empties the owners team (the user then stays in owners).
   */
  syncUserTeams(userId: string, organizationId: string, teamIds: string[]): Promise<{ added: string[]; removed: string[] }>;
}

export interface OrgMembershipStore {
  get(id: string): Promise<OrgMembershipRecord | undefined>;
  getByEmail(organizationId: string, email: string): Promise<OrgMembershipRecord | undefined>;
  listByOrganization(organizationId: string, page: Page, opts?: { status?: 'invited' | 'active'; q?: string }): Promise<Paged<OrgMembershipRecord>>;
  /** Every membership naming the user (active and invited), sorted by createdAt, then id. */
  listByUser(userId: string): Promise<OrgMembershipRecord[]>;
  /** A second invitation of the same email to the same organization throws StoreConflictError. */
  create(membership: OrgMembershipRecord): Promise<void>;
  /**
   * The teams an invitation adds its user to when it activates (TFE lets invited memberships be
   * added to teams through `teams/:id/relationships/organization-memberships`). Returns undefined
   * when the membership does not exist.
   */
  setInitialTeams(id: string, teamIds: string[]): Promise<OrgMembershipRecord | undefined>;
  /** Deletes the membership and removes the user from every team of that organization (refused for the last owner). */
  delete(id: string): Promise<'deleted' | 'not-found' | 'last-owner'>;
  /**
   * At a login that created or matched `userId` with `email`: every invitation for that email made
   * before the account existed (userId null) becomes active and adds the user to its initial
   * teams, in one step. Invitations that already name a user wait for acceptInvitation. Returns
   * the activated ones.
   */
  activateInvitations(email: string, userId: string): Promise<OrgMembershipRecord[]>;
  /**
   * The user `userId` accepts the invitation `id` that names them (or the IdP's MemberOf sync does
   * so for them): as one compare-and-set it becomes active and adds the user to its initial teams.
   * 'not-found' when no membership `id` names that user; 'not-invited' when it is already active.
   */
  acceptInvitation(id: string, userId: string): Promise<AcceptResult>;
}

export type AcceptResult = { ok: true; membership: OrgMembershipRecord } | { ok: false; reason: 'not-found' | 'not-invited' };

// ---------------------------------------------------------------------------------------------
// Tokens (user, team, organization: rules S2-S4, T1-T5)

export type TokenKind = 'user' | 'team' | 'organization';

export interface TokenRecord {
  id: string; // at-<16 chars>
  kind: TokenKind;
  /** user id, team id or organization id, by kind. */
  ownerId: string;
  description: string | null;
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  secretHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Optional end of life (TFE `expired-at`). */
  expiredAt: number | null;
  createdById: string | null;
  /**
   * The one-per-owner token: the organization token, or a team's token from the legacy
   * `/teams/:id/authentication-token` endpoint (rule T1). Described team tokens
   * (`/authentication-tokens`) and user tokens are not singular.
   */
  singular: boolean;
}

/**
 * Everything the token check needs, fetched in one indexed lookup (the hot path): the token, its
 * owner (user, or team + organization, or organization) and, for user tokens, the end of the
 * owner's latest live web session (rule S2), so no session blob is parsed per request.
 */
export interface ResolvedToken {
  token: TokenRecord;
  user?: UserRecord;
  team?: TeamRecord;
  organization?: OrganizationRecord;
  /** User tokens only: latest expiresAt among the owner's sessions that are live at `now`, else null. */
  webSessionLiveUntil: number | null;
}

export interface TokenStore {
  /** Secret hash or id collision throws StoreConflictError. */
  create(token: TokenRecord): Promise<void>;
  /**
   * T1's regenerate: deletes the owner's existing singular token (if any) and inserts `token`
   * (singular: true) in one step, so the old secret is refused from the same instant.
   * Returns the replaced token's id, if there was one.
   */
  replaceSingular(token: TokenRecord): Promise<string | null>;
  get(id: string): Promise<TokenRecord | undefined>;
  getSingular(kind: 'team' | 'organization', ownerId: string): Promise<TokenRecord | undefined>;
  /** Sorted by createdAt, then id. */
  listByOwner(kind: TokenKind, ownerId: string, page: Page, opts?: { singular?: boolean }): Promise<Paged<TokenRecord>>;
  /** Every team token (singular or described) of the organization's teams. */
  listTeamTokensOfOrganization(organizationId: string, page: Page): Promise<Paged<TokenRecord>>;
  /** Description taken by another described token of the same team? (TFE: unique per team). */
  descriptionTaken(kind: TokenKind, ownerId: string, description: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** See ResolvedToken. `now` decides which sessions count as live. */
  resolve(secretHash: string, now: number): Promise<ResolvedToken | undefined>;
  /**
   * Records use for `last-used-at`. Callers (and backends) coalesce: TFE shows it to the minute,
   * so writing more than once a minute per token is wasted work on the hot path.
   */
  touch(id: string, lastUsedAt: number): Promise<void>;
  count(): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Web sessions, one-time identifiers, settings

/** A web (browser) session as the gateway keeps it; express-session's data lives in `data`. */
export interface SessionRecord {
  sid: string;
  /** null when the session holds no login (only a one-shot message: why the last one ended). */
  userId: string | null;
  /** When the login stops being live (S1), or when a login-less session expires. */
  expiresAt: number;
  data: string;
}

export interface SessionStore {
  get(sid: string): Promise<SessionRecord | undefined>;
  /**
   * Upsert. A session that was destroyed (logout, suspension, SLO) stays ended: a late `set`
   * for its sid (a request that was in flight when it ended) must not bring it back.
   */
  set(record: SessionRecord): Promise<void>;
  destroy(sid: string): Promise<void>;
  listByUser(userId: string): Promise<SessionRecord[]>;
  /** Latest expiresAt among the user's sessions live at `now`, or null (rule S2's input). */
  liveUntil(userId: string, now: number): Promise<number | null>;
  /** Ends every web session of a user (admin action, SLO). Returns how many ended. */
  destroyByUser(userId: string): Promise<number>;
  /**
   * Forgets records (and tombstones) whose expiresAt is before `before`, and login-less records
   * (userId null) whose expiresAt is before `pendingBefore` (default `before`): ended logins are
   * kept a while so the next page can say why, login-less ones need not be. Returns how many
   * records (not tombstones) went. (Pending SAML logins are not stored: they travel in a signed
   * cookie, so no anonymous request adds a record.)
   */
  purgeExpired(before: number, pendingBefore?: number): Promise<number>;
}

export interface ReplayCache {
  /**
   * Records a one-time identifier (assertion ID, AuthnRequest ID) until `expiresAt`.
   * Returns false when it was already recorded and not yet expired: the caller must refuse.
   */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
  purgeExpired(now: number): Promise<number>;
}

/**
 * Small named JSON values that must survive restarts: `saml-settings` (admin SAML settings),
 * `clock-offset` (the manual clock), and whatever a later stage needs. Not for secrets that
 * need file permissions (the session-cookie secret lives in a 0600 file beside the database).
 */
export interface SettingsStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

export * from './types-workspaces.ts';
import type { WorkspaceStores } from './types-workspaces.ts';
export * from './types-resources.ts';
import type { ResourceStore } from './types-resources.ts';
import { SamlgateError } from '../errors.ts';

/** `WorkspaceStores` adds workspaces, teamAccess, configurationVersions, runs, stateVersions, variables. */
export interface Store extends WorkspaceStores {
  /** 'memory' | 'sqlite' | ... */
  readonly kind: string;
  users: UserStore;
  organizations: OrganizationStore;
  teams: TeamStore;
  orgMemberships: OrgMembershipStore;
  tokens: TokenStore;
  sessions: SessionStore;
  replay: ReplayCache;
  settings: SettingsStore;
  /** Policies, SSH keys, agent pools, variable sets, projects...: see types-resources.ts. */
  resources: ResourceStore;
  /**
   * Changes after every write to tokens, users, web sessions, memberships, teams or organizations
   * (by this process or, on SQLite, by any other connection to the file): a resolved token cached
   * under one value is stale under any other (src/store/write-generation.ts).
   */
  authDataGeneration(): number;
  close(): Promise<void>;
}

export class StoreConflictError extends SamlgateError {
  readonly code = 'ERR_STORE_CONFLICT';
  readonly kind = 'usage';
}

/** A write failed for a reason outside the request (disk full, I/O error, database locked). */
export class StoreUnavailableError extends SamlgateError {
  readonly code = 'ERR_STORE_UNAVAILABLE';
  readonly kind = 'runtime';
  constructor(
    message: string,
    /** The driver's code, e.g. SQLITE_FULL. */
    readonly cause_: string,
  ) {
    super(message);
  }
}
