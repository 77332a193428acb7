/**
 * The workspaces section of the storage interface (re-exported from types.ts): workspaces, team
 * access, configuration versions, runs with their plan and apply, state versions and variables.
 * Same shape rules as types.ts: async, plain JSON-able records (times in epoch ms, bytes as
 * Buffers), copies in and out, each state change one atomic step, paged lists with true totals.
 *
 * The rules themselves (who may, which transition comes next, what a state version must carry)
 * live in src/tfe/; the store only promises that each step it takes is atomic, so e.g. two runs
 * queued at the same instant can never both start, and two lock requests can never both win.
 */
import { FINAL_RUN_STATUSES, type RunStatus } from '../tfe/run-states.ts';
import type { Page, Paged } from './paging.ts';

// ---------------------------------------------------------------------------------------------
// Workspaces

/** Who holds a workspace lock (TFE shows it as the `locked-by` relationship). */
export interface LockHolder {
  kind: 'user' | 'team' | 'organization';
  /** user id, team id or organization id. */
  id: string;
}

/** The attributes TFE round-trips on a workspace, as the API names them, minus the computed ones. */
export interface WorkspaceSettings {
  description: string | null;
  autoApply: boolean;
  allowDestroyPlan: boolean;
  executionMode: 'remote' | 'local' | 'agent';
  fileTriggersEnabled: boolean;
  queueAllRuns: boolean;
  speculativeEnabled: boolean;
  terraformVersion: string;
  triggerPrefixes: string[];
  triggerPatterns: string[];
  workingDirectory: string;
  globalRemoteState: boolean;
  sourceName: string | null;
  sourceUrl: string | null;
  tagNames: string[];
  /**
   * The project the workspace belongs to (TFE: exactly one). null, or absent in records written
   * before projects existed: the organization's Default Project (src/tfe/projects.ts).
   */
  projectId?: string | null;
  /**
   * TFE `setting-overwrites` (whether the workspace's execution mode and agent pool override the
   * organization's defaults). Stored and returned; samlgate has no defaults to inherit, so the
   * workspace's own execution mode always applies. Absent: both true.
   */
  settingOverwrites?: { executionMode: boolean; agentPool: boolean };
}

export interface WorkspaceRecord {
  id: string; // ws-<16>
  organizationId: string;
  /** Unique per organization (TFE addresses workspaces by organization + name). */
  name: string;
  createdAt: number;
  updatedAt: number;
  settings: WorkspaceSettings;
  lockedBy: LockHolder | null;
  lockReason: string | null;
  /** The latest non-speculative run (TFE `current-run`). */
  currentRunId: string | null;
  /** The state version the workspace's state is (TFE `current-state-version`). */
  currentStateVersionId: string | null;
}

export interface WorkspaceFilter {
  /** TFE `search[name]`: substring of the name, case-insensitive. */
  search?: string;
  /** Only these workspace ids (what a member's team access lets them see). */
  ids?: string[];
}

export type LockResult =
  | { ok: true; workspace: WorkspaceRecord }
  | { ok: false; reason: 'not-found' }
  /** Lock: already locked. Unlock: not locked, or (without force) locked by someone else. */
  | { ok: false; reason: 'already'; workspace: WorkspaceRecord }
  | { ok: false; reason: 'held-by-other'; workspace: WorkspaceRecord };

export interface WorkspaceStore {
  get(id: string): Promise<WorkspaceRecord | undefined>;
  getByName(organizationId: string, name: string): Promise<WorkspaceRecord | undefined>;
  /** Sorted by name. */
  listByOrganization(organizationId: string, page: Page, filter?: WorkspaceFilter): Promise<Paged<WorkspaceRecord>>;
  /** A taken name in the organization throws StoreConflictError. */
  create(workspace: WorkspaceRecord): Promise<void>;
  /** A taken name throws StoreConflictError. */
  update(id: string, patch: { name?: string; settings?: Partial<WorkspaceSettings>; updatedAt: number }): Promise<WorkspaceRecord | undefined>;
  /** Deletes the workspace with its team access, configuration versions, runs, state versions and variables. */
  delete(id: string): Promise<boolean>;
  /** Compare-and-set: locks only if unlocked. */
  lock(id: string, holder: LockHolder, reason: string | null): Promise<LockResult>;
  /** Compare-and-set: unlocks only if locked, and (unless `force`) only by the holder. */
  unlock(id: string, by: LockHolder, force: boolean): Promise<LockResult>;
}

// ---------------------------------------------------------------------------------------------
// Team access (TFE `team-workspaces`)

export type AccessLevel = 'read' | 'plan' | 'write' | 'admin' | 'custom';
export type RunsPermission = 'read' | 'plan' | 'apply';
export type VariablesPermission = 'none' | 'read' | 'write';
export type StateVersionsPermission = 'none' | 'read-outputs' | 'read' | 'write';
export type SentinelMocksPermission = 'none' | 'read';

/** The fine-grained permissions a level implies (src/tfe/workspace-access.ts derives them). */
export interface WorkspacePermissionSet {
  runs: RunsPermission;
  variables: VariablesPermission;
  stateVersions: StateVersionsPermission;
  sentinelMocks: SentinelMocksPermission;
  workspaceLocking: boolean;
  runTasks: boolean;
}

export interface TeamAccessRecord extends WorkspacePermissionSet {
  id: string; // tws-<16>
  teamId: string;
  workspaceId: string;
  access: AccessLevel;
  createdAt: number;
}

export type TeamAccessPatch = Partial<Pick<TeamAccessRecord, 'access' | keyof WorkspacePermissionSet>>;

export interface TeamAccessStore {
  get(id: string): Promise<TeamAccessRecord | undefined>;
  /** Sorted by createdAt, then id. */
  listByWorkspace(workspaceId: string, page: Page): Promise<Paged<TeamAccessRecord>>;
  /** The records of these teams on this workspace (the authorization module's input). */
  forWorkspace(workspaceId: string, teamIds: string[]): Promise<TeamAccessRecord[]>;
  /** Every record of these teams (which workspaces a member may see). */
  forTeams(teamIds: string[]): Promise<TeamAccessRecord[]>;
  /** A second record for the same team and workspace throws StoreConflictError. */
  create(record: TeamAccessRecord): Promise<void>;
  update(id: string, patch: TeamAccessPatch): Promise<TeamAccessRecord | undefined>;
  delete(id: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Configuration versions

export type ConfigurationStatus = 'pending' | 'uploaded' | 'errored';

export interface ConfigurationVersionRecord {
  id: string; // cv-<16>
  workspaceId: string;
  status: ConfigurationStatus;
  source: string;
  autoQueueRuns: boolean;
  speculative: boolean;
  error: string | null;
  errorMessage: string | null;
  createdAt: number;
  /** status-timestamps: queued-at, started-at, finished-at... (epoch ms). */
  statusTimestamps: Record<string, number>;
  /** Addresses (`type.name`) of the resource blocks in the uploaded slug (the synthetic plan's input); null until uploaded. */
  resourceAddresses: string[] | null;
  /** Size of the uploaded slug in bytes. */
  size: number | null;
}

export interface ConfigurationVersionStore {
  get(id: string): Promise<ConfigurationVersionRecord | undefined>;
  /** Newest first. */
  listByWorkspace(workspaceId: string, page: Page): Promise<Paged<ConfigurationVersionRecord>>;
  create(record: ConfigurationVersionRecord): Promise<void>;
  /**
   * The upload, compare-and-set: stores the slug and marks the version uploaded only while it is
   * still pending (a second PUT of the same upload URL is refused: 'not-pending').
   */
  markUploaded(id: string, slug: Buffer, resourceAddresses: string[], at: number): Promise<'ok' | 'not-found' | 'not-pending'>;
  /** The uploaded slug (tar.gz) bytes, if any. */
  getSlug(id: string): Promise<Buffer | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Runs, with their plan and apply

/** TFE's run statuses and which moves each allows: one table, src/tfe/run-states.ts. */
export type { RunStatus };

export type PhaseStatus = 'pending' | 'queued' | 'running' | 'finished' | 'canceled' | 'errored' | 'unreachable';

export interface PhaseRecord {
  id: string; // plan-<16> | apply-<16>
  status: PhaseStatus;
  statusTimestamps: Record<string, number>;
  resourceAdditions: number;
  resourceChanges: number;
  resourceDestructions: number;
  /** The synthetic log text written so far (plain text; the log endpoint wraps it in STX/ETX). */
  log: string;
}

export interface RunRecord {
  id: string; // run-<16>
  workspaceId: string;
  configurationVersionId: string;
  status: RunStatus;
  statusTimestamps: Record<string, number>;
  message: string;
  source: string;
  isDestroy: boolean;
  refresh: boolean;
  refreshOnly: boolean;
  /** Plan-only: never applies and never holds the workspace's queue (TFE speculative plans). */
  planOnly: boolean;
  /** auto-apply as it was when the run was queued (the run's own setting may override the workspace's). */
  autoApply: boolean;
  /** TFE `save-plan` (absent: false). */
  savePlan?: boolean;
  targetAddrs: string[] | null;
  replaceAddrs: string[] | null;
  hasChanges: boolean;
  createdAt: number;
  createdBy: LockHolder | null;
  /** Set when a cancel was requested (TFE: force-cancel becomes available after a cool-off). */
  canceledAt: number | null;
  forceCancelAvailableAt: number | null;
  plan: PhaseRecord;
  apply: PhaseRecord;
}

/** Statuses after which a run never changes again. */
export { FINAL_RUN_STATUSES };

export type RunPatch = Partial<Omit<RunRecord, 'id' | 'workspaceId' | 'createdAt'>>;

export interface RunStore {
  get(id: string): Promise<RunRecord | undefined>;
  getByPlanId(planId: string): Promise<RunRecord | undefined>;
  getByApplyId(applyId: string): Promise<RunRecord | undefined>;
  /** Newest first (createdAt, ties in reverse insertion order: the manual clock may stand still). */
  listByWorkspace(workspaceId: string, page: Page, opts?: { statuses?: RunStatus[] }): Promise<Paged<RunRecord>>;
  /**
   * "Queue unless one is active", atomically: inserts the run as `plan_queued` when no other
   * non-final, non-plan-only run of its workspace is past `pending` (or waiting in it), else as
   * `pending` behind them. Plan-only runs never wait. Also makes it the workspace's current run
   * (unless plan-only). Returns the stored record.
   */
  enqueue(run: RunRecord): Promise<RunRecord>;
  /**
   * Compare-and-set transition: applies `patch` only if the run is still in `from` (one of them).
   * Returns the updated run, or undefined when the run moved on (or does not exist).
   */
  transition(id: string, from: RunStatus | RunStatus[], patch: RunPatch): Promise<RunRecord | undefined>;
  /**
   * When the workspace's queue is free (no non-final, non-plan-only run beyond `pending`), moves
   * its oldest `pending` run (ties in insertion order: first queued, first started) to `plan_queued` at `now`, atomically. Returns it, if any.
   */
  promoteNext(workspaceId: string, now: number): Promise<RunRecord | undefined>;
  /** Every run not in a final status, oldest first, ties in insertion order (what the scheduler advances; survives restarts). */
  listActive(): Promise<RunRecord[]>;
}

// ---------------------------------------------------------------------------------------------
// State versions

export interface StateOutputRecord {
  id: string; // wsout-<16>
  name: string;
  sensitive: boolean;
  type: string;
  value: unknown;
}

export interface StateVersionRecord {
  id: string; // sv-<16>
  workspaceId: string;
  serial: number;
  lineage: string | null;
  md5: string;
  size: number;
  createdAt: number;
  runId: string | null;
  createdBy: LockHolder | null;
  outputs: StateOutputRecord[];
  /** Terraform's version that wrote the state, if the state says. */
  terraformVersion: string | null;
}

export type StateVersionCreateResult = { ok: true } | { ok: false; reason: 'not-found' | 'current-changed' };

export interface StateVersionStore {
  get(id: string): Promise<StateVersionRecord | undefined>;
  /** The exact bytes that were uploaded. */
  getState(id: string): Promise<Buffer | undefined>;
  getOutput(id: string): Promise<{ output: StateOutputRecord; stateVersion: StateVersionRecord } | undefined>;
  /** Newest (highest serial, then newest) first. */
  listByWorkspace(workspaceId: string, page: Page): Promise<Paged<StateVersionRecord>>;
  /**
   * Inserts the version and makes it the workspace's current one, atomically, only if the
   * workspace's current state version is still `expectCurrentId` (the caller validated serial and
   * lineage against that one): a concurrent write makes this 'current-changed', never a fork.
   */
  create(record: StateVersionRecord, state: Buffer, expectCurrentId: string | null): Promise<StateVersionCreateResult>;
}

// ---------------------------------------------------------------------------------------------
// Variables

export type VariableCategory = 'terraform' | 'env';

export interface VariableRecord {
  id: string; // var-<16>
  workspaceId: string;
  key: string;
  /** Kept for runs; the API never returns it when `sensitive` (TFE: write-only once sensitive). */
  value: string;
  description: string | null;
  category: VariableCategory;
  hcl: boolean;
  sensitive: boolean;
  createdAt: number;
  /** Changes on every write (TFE `version-id`). */
  versionId: string;
}

export type VariablePatch = Partial<Pick<VariableRecord, 'key' | 'value' | 'description' | 'category' | 'hcl' | 'sensitive' | 'versionId'>>;

export interface VariableStore {
  get(id: string): Promise<VariableRecord | undefined>;
  /** Sorted by key, then category. */
  listByWorkspace(workspaceId: string, page: Page): Promise<Paged<VariableRecord>>;
  /** A second variable with the same key and category in the workspace throws StoreConflictError. */
  create(record: VariableRecord): Promise<void>;
  /** Same conflict rule; a sensitive variable cannot become non-sensitive (TFE), the caller checks. */
  update(id: string, patch: VariablePatch): Promise<VariableRecord | undefined>;
  delete(id: string): Promise<boolean>;
}

/** The members types.ts adds to `Store`. */
export interface WorkspaceStores {
  workspaces: WorkspaceStore;
  teamAccess: TeamAccessStore;
  configurationVersions: ConfigurationVersionStore;
  runs: RunStore;
  stateVersions: StateVersionStore;
  variables: VariableStore;
}
