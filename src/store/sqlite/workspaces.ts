/**
 * The workspaces section of the SQLite store (types-workspaces.ts): workspaces, team access,
 * configuration versions, runs, state versions, variables. Tables come from migration 2
 * (migrations-workspaces.ts). Columns the store filters, orders or enforces uniqueness on are
 * real columns; the rest of each record is one JSON `record` column, written whole by every
 * step. Every multi-statement step is one BEGIN IMMEDIATE transaction, so e.g. "queue unless one
 * is active" holds across connections and processes. Ties on created_at order by rowid
 * (insertion), as the memory store does.
 */
import {
  FINAL_RUN_STATUSES,
  StoreConflictError,
  type ConfigurationVersionRecord,
  type ConfigurationVersionStore,
  type LockHolder,
  type LockResult,
  type Page,
  type Paged,
  type RunPatch,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type StateVersionRecord,
  type StateVersionStore,
  type TeamAccessPatch,
  type TeamAccessRecord,
  type TeamAccessStore,
  type VariablePatch,
  type VariableRecord,
  type VariableStore,
  type WorkspaceFilter,
  type WorkspaceRecord,
  type WorkspaceSettings,
  type WorkspaceStore,
  type WorkspaceStores,
} from '../types.ts';
import { bool, call, int, lc, limitOffset, type SqliteContext } from './common.ts';
import { conflictAs, RecordTable } from './record-table.ts';

const FINAL_SQL = [...FINAL_RUN_STATUSES].map((s) => `'${s}'`).join(', ');

/** A run leaving the queue: its plan is queued (the run-states table's pending -> plan_queued). */
const startPlan = (r: RunRecord, at: number): RunRecord => ({
  ...r,
  status: 'plan_queued',
  statusTimestamps: { ...r.statusTimestamps, 'plan-queueable-at': at, 'plan-queued-at': at },
  plan: { ...r.plan, status: 'queued', statusTimestamps: { ...r.plan.statusTimestamps, 'queued-at': at } },
});

function paged<T>(c: SqliteContext, sql: { rows: string; count: string }, params: Record<string, unknown>, page: Page, map: (r: never) => T): Paged<T> {
  const rows = c.db.prepare(sql.rows).all({ ...params, ...limitOffset(page) }) as never[];
  const total = (c.db.prepare(sql.count).get(params) as { n: number }).n;
  return { items: rows.map(map), total };
}

// ---------------------------------------------------------------------------------------------
// Workspaces

interface WorkspaceRow {
  id: string;
  organization_id: string;
  name: string;
  created_at: number;
  updated_at: number;
  settings: string;
  locked_by_kind: LockHolder['kind'] | null;
  locked_by_id: string | null;
  lock_reason: string | null;
  current_run_id: string | null;
  current_state_version_id: string | null;
}
const WS_COLUMNS = 'id, organization_id, name, created_at, updated_at, settings, locked_by_kind, locked_by_id, lock_reason, current_run_id, current_state_version_id';

const wsFromRow = (r: WorkspaceRow): WorkspaceRecord => ({
  id: r.id,
  organizationId: r.organization_id,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  settings: JSON.parse(r.settings) as WorkspaceSettings,
  lockedBy: r.locked_by_kind && r.locked_by_id ? { kind: r.locked_by_kind, id: r.locked_by_id } : null,
  lockReason: r.lock_reason,
  currentRunId: r.current_run_id,
  currentStateVersionId: r.current_state_version_id,
});

class SqliteWorkspaces implements WorkspaceStore {
  private readonly byId;
  private readonly byName;
  private readonly insert;
  private readonly updateTx;
  private readonly lockTx;
  private readonly unlockTx;
  private readonly deleteStmt;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.byId = db.prepare<[string], WorkspaceRow>(`SELECT ${WS_COLUMNS} FROM workspaces WHERE id = ?`);
    this.byName = db.prepare<[string, string], WorkspaceRow>(`SELECT ${WS_COLUMNS} FROM workspaces WHERE organization_id = ? AND name = ?`);
    this.insert = db.prepare(
      `INSERT INTO workspaces (${WS_COLUMNS}, name_lc) VALUES (@id, @organization_id, @name, @created_at, @updated_at, @settings, NULL, NULL, NULL, NULL, NULL, @name_lc)`,
    );
    const update = db.prepare('UPDATE workspaces SET name = @name, name_lc = @name_lc, settings = @settings, updated_at = @updated_at WHERE id = @id');
    this.updateTx = db.transaction((id: string, patch: { name?: string; settings?: Partial<WorkspaceSettings>; updatedAt: number }) => {
      const row = this.byId.get(id);
      if (!row) return undefined;
      const cur = wsFromRow(row);
      const name = patch.name ?? cur.name;
      conflictAs(() => `workspace ${name} already exists`, () => update.run({ id, name, name_lc: lc(name), settings: JSON.stringify({ ...cur.settings, ...(patch.settings ?? {}) }), updated_at: patch.updatedAt }));
      return wsFromRow(this.byId.get(id)!);
    });
    const setLock = db.prepare<[string | null, string | null, string | null, string]>('UPDATE workspaces SET locked_by_kind = ?, locked_by_id = ?, lock_reason = ? WHERE id = ?');
    this.lockTx = db.transaction((id: string, holder: LockHolder, reason: string | null): LockResult => {
      const row = this.byId.get(id);
      if (!row) return { ok: false, reason: 'not-found' };
      if (row.locked_by_kind) return { ok: false, reason: 'already', workspace: wsFromRow(row) };
      setLock.run(holder.kind, holder.id, reason, id);
      return { ok: true, workspace: wsFromRow(this.byId.get(id)!) };
    });
    this.unlockTx = db.transaction((id: string, by: LockHolder, force: boolean): LockResult => {
      const row = this.byId.get(id);
      if (!row) return { ok: false, reason: 'not-found' };
      if (!row.locked_by_kind) return { ok: false, reason: 'already', workspace: wsFromRow(row) };
      if (!force && (row.locked_by_kind !== by.kind || row.locked_by_id !== by.id)) return { ok: false, reason: 'held-by-other', workspace: wsFromRow(row) };
      setLock.run(null, null, null, id);
      return { ok: true, workspace: wsFromRow(this.byId.get(id)!) };
    });
    this.deleteStmt = db.prepare<[string]>('DELETE FROM workspaces WHERE id = ?');
  }

  async get(id: string) {
    return call(this.c, () => {
      const r = this.byId.get(id);
      return r && wsFromRow(r);
    });
  }
  async getByName(organizationId: string, name: string) {
    return call(this.c, () => {
      const r = this.byName.get(organizationId, name);
      return r && wsFromRow(r);
    });
  }
  async listByOrganization(organizationId: string, page: Page, filter: WorkspaceFilter = {}) {
    return call(this.c, () => {
      const terms = ['organization_id = @org'];
      const params: Record<string, unknown> = { org: organizationId };
      if (filter.search) (terms.push('instr(name_lc, @q) > 0'), (params.q = lc(filter.search)));
      if (filter.ids) (terms.push('id IN (SELECT value FROM json_each(@ids))'), (params.ids = JSON.stringify(filter.ids)));
      const where = `WHERE ${terms.join(' AND ')}`;
      return paged(this.c, { rows: `SELECT ${WS_COLUMNS} FROM workspaces ${where} ORDER BY name LIMIT @limit OFFSET @offset`, count: `SELECT count(*) AS n FROM workspaces ${where}` }, params, page, wsFromRow);
    });
  }
  async create(w: WorkspaceRecord) {
    call(this.c, () => {
      conflictAs(() => `workspace ${w.name} already exists (or its organization does not)`, () => this.insert.run({ id: w.id, organization_id: w.organizationId, name: w.name, name_lc: lc(w.name), created_at: w.createdAt, updated_at: w.updatedAt, settings: JSON.stringify(w.settings) }));
    });
  }
  async update(id: string, patch: { name?: string; settings?: Partial<WorkspaceSettings>; updatedAt: number }) {
    return call(this.c, () => this.updateTx.immediate(id, patch));
  }
  async delete(id: string) {
    // ON DELETE CASCADE removes team access, configuration versions, runs, state versions, variables.
    return call(this.c, () => this.deleteStmt.run(id).changes > 0);
  }
  async lock(id: string, holder: LockHolder, reason: string | null) {
    return call(this.c, () => this.lockTx.immediate(id, holder, reason));
  }
  async unlock(id: string, by: LockHolder, force: boolean) {
    return call(this.c, () => this.unlockTx.immediate(id, by, force));
  }
}

// ---------------------------------------------------------------------------------------------
// Team access

interface TeamAccessRow {
  id: string;
  team_id: string;
  workspace_id: string;
  access: TeamAccessRecord['access'];
  runs: TeamAccessRecord['runs'];
  variables: TeamAccessRecord['variables'];
  state_versions: TeamAccessRecord['stateVersions'];
  sentinel_mocks: TeamAccessRecord['sentinelMocks'];
  workspace_locking: number;
  run_tasks: number;
  created_at: number;
}
const TA_COLUMNS = 'id, team_id, workspace_id, access, runs, variables, state_versions, sentinel_mocks, workspace_locking, run_tasks, created_at';
const taFromRow = (r: TeamAccessRow): TeamAccessRecord => ({
  id: r.id,
  teamId: r.team_id,
  workspaceId: r.workspace_id,
  access: r.access,
  runs: r.runs,
  variables: r.variables,
  stateVersions: r.state_versions,
  sentinelMocks: r.sentinel_mocks,
  workspaceLocking: bool(r.workspace_locking),
  runTasks: bool(r.run_tasks),
  createdAt: r.created_at,
});
const taParams = (t: TeamAccessRecord) => ({
  id: t.id,
  team_id: t.teamId,
  workspace_id: t.workspaceId,
  access: t.access,
  runs: t.runs,
  variables: t.variables,
  state_versions: t.stateVersions,
  sentinel_mocks: t.sentinelMocks,
  workspace_locking: int(t.workspaceLocking),
  run_tasks: int(t.runTasks),
  created_at: t.createdAt,
});

class SqliteTeamAccess implements TeamAccessStore {
  private readonly byId;
  private readonly insert;
  private readonly updateTx;
  private readonly deleteStmt;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    this.byId = db.prepare<[string], TeamAccessRow>(`SELECT ${TA_COLUMNS} FROM team_workspaces WHERE id = ?`);
    this.insert = db.prepare(
      `INSERT INTO team_workspaces (${TA_COLUMNS}) VALUES (@id, @team_id, @workspace_id, @access, @runs, @variables, @state_versions, @sentinel_mocks, @workspace_locking, @run_tasks, @created_at)`,
    );
    const update = db.prepare(
      'UPDATE team_workspaces SET access = @access, runs = @runs, variables = @variables, state_versions = @state_versions, sentinel_mocks = @sentinel_mocks, workspace_locking = @workspace_locking, run_tasks = @run_tasks WHERE id = @id',
    );
    this.updateTx = db.transaction((id: string, patch: TeamAccessPatch) => {
      const row = this.byId.get(id);
      if (!row) return undefined;
      const next = { ...taFromRow(row), ...patch };
      update.run(taParams(next));
      return next;
    });
    this.deleteStmt = db.prepare<[string]>('DELETE FROM team_workspaces WHERE id = ?');
  }

  async get(id: string) {
    return call(this.c, () => {
      const r = this.byId.get(id);
      return r && taFromRow(r);
    });
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    return call(this.c, () =>
      paged(this.c, { rows: `SELECT ${TA_COLUMNS} FROM team_workspaces WHERE workspace_id = @ws ORDER BY created_at, rowid LIMIT @limit OFFSET @offset`, count: 'SELECT count(*) AS n FROM team_workspaces WHERE workspace_id = @ws' }, { ws: workspaceId }, page, taFromRow),
    );
  }
  async forWorkspace(workspaceId: string, teamIds: string[]) {
    return call(this.c, () =>
      (this.c.db.prepare(`SELECT ${TA_COLUMNS} FROM team_workspaces WHERE workspace_id = ? AND team_id IN (SELECT value FROM json_each(?))`).all(workspaceId, JSON.stringify(teamIds)) as TeamAccessRow[]).map(taFromRow),
    );
  }
  async forTeams(teamIds: string[]) {
    return call(this.c, () => (this.c.db.prepare(`SELECT ${TA_COLUMNS} FROM team_workspaces WHERE team_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid`).all(JSON.stringify(teamIds)) as TeamAccessRow[]).map(taFromRow));
  }
  async create(r: TeamAccessRecord) {
    call(this.c, () => {
      conflictAs(() => 'the team already has access to this workspace (or the team or workspace does not exist)', () => this.insert.run(taParams(r)));
    });
  }
  async update(id: string, patch: TeamAccessPatch) {
    return call(this.c, () => this.updateTx.immediate(id, patch));
  }
  async delete(id: string) {
    return call(this.c, () => this.deleteStmt.run(id).changes > 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration versions

class SqliteConfigurationVersions implements ConfigurationVersionStore {
  private readonly table;
  private readonly uploadTx;
  private readonly slug;

  constructor(private readonly c: SqliteContext) {
    const table = (this.table = new RecordTable<ConfigurationVersionRecord>(c, { table: 'configuration_versions', columns: (r) => ({ workspace_id: r.workspaceId, created_at: r.createdAt }) }));
    this.uploadTx = c.db.transaction((id: string, slug: Buffer, addresses: string[], at: number) => {
      const cv = table.get(id);
      if (!cv) return 'not-found' as const;
      if (cv.status !== 'pending') return 'not-pending' as const;
      const next: ConfigurationVersionRecord = { ...cv, status: 'uploaded', resourceAddresses: [...addresses], size: slug.length, statusTimestamps: { ...cv.statusTimestamps, 'started-at': at, 'finished-at': at } };
      table.write(next, () => `configuration version ${id} conflicts`, { slug });
      return 'ok' as const;
    });
    this.slug = c.db.prepare<[string], { slug: Buffer | null }>('SELECT slug FROM configuration_versions WHERE id = ?');
  }

  async get(id: string) {
    return call(this.c, () => this.table.get(id));
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    return call(this.c, () => this.table.page('workspace_id = @ws', { ws: workspaceId }, 'created_at DESC, rowid DESC', page));
  }
  async create(r: ConfigurationVersionRecord) {
    call(this.c, () => this.table.insert(r, () => `configuration version ${r.id} conflicts, or workspace ${r.workspaceId} does not exist`));
  }
  async markUploaded(id: string, slug: Buffer, resourceAddresses: string[], at: number) {
    return call(this.c, () => this.uploadTx.immediate(id, slug, resourceAddresses, at));
  }
  async getSlug(id: string) {
    return call(this.c, () => this.slug.get(id)?.slug ?? undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Runs

class SqliteRuns implements RunStore {
  private readonly table;
  private readonly enqueueTx;
  private readonly transitionTx;
  private readonly promoteTx;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    const table = (this.table = new RecordTable<RunRecord>(c, {
      table: 'runs',
      columns: (r) => ({ workspace_id: r.workspaceId, status: r.status, plan_only: int(r.planOnly), created_at: r.createdAt, plan_id: r.plan.id, apply_id: r.apply.id }),
      mutable: ['status'],
    }));
    const wsExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM workspaces WHERE id = ?');
    const anyOpen = db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM runs WHERE workspace_id = ? AND plan_only = 0 AND status NOT IN (${FINAL_SQL}) LIMIT 1`);
    const holding = db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM runs WHERE workspace_id = ? AND plan_only = 0 AND status NOT IN (${FINAL_SQL}, 'pending') LIMIT 1`);
    const setCurrent = db.prepare<[string, string]>('UPDATE workspaces SET current_run_id = ? WHERE id = ?');
    const conflict = (id: string) => () => `run ${id} conflicts with an existing one`;

    this.enqueueTx = db.transaction((run: RunRecord): RunRecord => {
      if (!wsExists.get(run.workspaceId)) throw new StoreConflictError(`workspace ${run.workspaceId} does not exist`);
      const stored: RunRecord = !run.planOnly && anyOpen.get(run.workspaceId) ? { ...run, status: 'pending' } : startPlan(run, run.createdAt);
      table.insert(stored, conflict(run.id));
      if (!run.planOnly) setCurrent.run(run.id, run.workspaceId);
      return stored;
    });
    this.transitionTx = db.transaction((id: string, from: RunStatus[], patch: RunPatch): RunRecord | undefined => {
      const run = table.get(id);
      if (!run || !from.includes(run.status)) return undefined;
      const next: RunRecord = { ...run, ...patch };
      table.write(next, conflict(id));
      return next;
    });
    this.promoteTx = db.transaction((workspaceId: string, now: number): RunRecord | undefined => {
      if (holding.get(workspaceId)) return undefined;
      const [oldest] = table.page("workspace_id = @ws AND status = 'pending'", { ws: workspaceId }, 'created_at, rowid', { number: 1, size: 1 }).items;
      if (!oldest) return undefined;
      const next = startPlan(oldest, now);
      table.write(next, conflict(next.id));
      return next;
    });
  }

  async get(id: string) {
    return call(this.c, () => this.table.get(id));
  }
  async getByPlanId(planId: string) {
    return call(this.c, () => this.table.get(planId, 'plan_id'));
  }
  async getByApplyId(applyId: string) {
    return call(this.c, () => this.table.get(applyId, 'apply_id'));
  }
  async listByWorkspace(workspaceId: string, page: Page, opts: { statuses?: RunStatus[] } = {}) {
    return call(this.c, () => {
      const terms = ['workspace_id = @ws'];
      const params: Record<string, unknown> = { ws: workspaceId };
      if (opts.statuses) (terms.push('status IN (SELECT value FROM json_each(@statuses))'), (params.statuses = JSON.stringify(opts.statuses)));
      return this.table.page(terms.join(' AND '), params, 'created_at DESC, rowid DESC', page);
    });
  }
  async enqueue(run: RunRecord) {
    return call(this.c, () => this.enqueueTx.immediate(run));
  }
  async transition(id: string, from: RunStatus | RunStatus[], patch: RunPatch) {
    return call(this.c, () => this.transitionTx.immediate(id, Array.isArray(from) ? from : [from], patch));
  }
  async promoteNext(workspaceId: string, now: number) {
    return call(this.c, () => this.promoteTx.immediate(workspaceId, now));
  }
  async listActive() {
    return call(this.c, () => this.table.all(`status NOT IN (${FINAL_SQL})`, {}, 'created_at, rowid'));
  }
}

// ---------------------------------------------------------------------------------------------
// State versions

class SqliteStateVersions implements StateVersionStore {
  private readonly table;
  private readonly state;
  private readonly output;
  private readonly createTx;

  constructor(private readonly c: SqliteContext) {
    const db = c.db;
    const table = (this.table = new RecordTable<StateVersionRecord>(c, { table: 'state_versions', columns: (r) => ({ workspace_id: r.workspaceId, serial: r.serial, created_at: r.createdAt }) }));
    this.state = db.prepare<[string], { state: Buffer }>('SELECT state FROM state_versions WHERE id = ?');
    this.output = db.prepare<[string], { record: string }>('SELECT v.record FROM state_outputs o JOIN state_versions v ON v.id = o.state_version_id WHERE o.id = ?');
    const current = db.prepare<[string], { current_state_version_id: string | null }>('SELECT current_state_version_id FROM workspaces WHERE id = ?');
    const insertOutput = db.prepare<[string, string]>('INSERT INTO state_outputs (id, state_version_id) VALUES (?, ?)');
    const setCurrent = db.prepare<[string, string]>('UPDATE workspaces SET current_state_version_id = ? WHERE id = ?');
    this.createTx = db.transaction((r: StateVersionRecord, state: Buffer, expect: string | null) => {
      const ws = current.get(r.workspaceId);
      if (!ws) return { ok: false as const, reason: 'not-found' as const };
      if (ws.current_state_version_id !== expect) return { ok: false as const, reason: 'current-changed' as const };
      const conflict = () => `state version ${r.id} conflicts with an existing one`;
      table.insert(r, conflict, { state });
      for (const o of r.outputs) conflictAs(conflict, () => insertOutput.run(o.id, r.id));
      setCurrent.run(r.id, r.workspaceId);
      return { ok: true as const };
    });
  }

  async get(id: string) {
    return call(this.c, () => this.table.get(id));
  }
  async getState(id: string) {
    return call(this.c, () => this.state.get(id)?.state);
  }
  async getOutput(id: string) {
    return call(this.c, () => {
      const r = this.output.get(id);
      if (!r) return undefined;
      const stateVersion = JSON.parse(r.record) as StateVersionRecord;
      const output = stateVersion.outputs.find((o) => o.id === id);
      return output && { output, stateVersion };
    });
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    return call(this.c, () => this.table.page('workspace_id = @ws', { ws: workspaceId }, 'serial DESC, created_at DESC, rowid DESC', page));
  }
  async create(record: StateVersionRecord, state: Buffer, expectCurrentId: string | null) {
    return call(this.c, () => this.createTx.immediate(record, state, expectCurrentId));
  }
}

// ---------------------------------------------------------------------------------------------
// Variables

class SqliteVariables implements VariableStore {
  private readonly table;
  private readonly updateTx;

  constructor(private readonly c: SqliteContext) {
    const table = (this.table = new RecordTable<VariableRecord>(c, {
      table: 'variables',
      columns: (r) => ({ workspace_id: r.workspaceId, key: r.key, category: r.category, created_at: r.createdAt }),
      mutable: ['key', 'category'],
    }));
    this.updateTx = c.db.transaction((id: string, patch: VariablePatch) => {
      const cur = table.get(id);
      if (!cur) return undefined;
      const next: VariableRecord = { ...cur, ...patch };
      table.write(next, () => `variable ${next.key} already exists`);
      return next;
    });
  }

  async get(id: string) {
    return call(this.c, () => this.table.get(id));
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    return call(this.c, () => this.table.page('workspace_id = @ws', { ws: workspaceId }, 'key, category', page));
  }
  async create(r: VariableRecord) {
    call(this.c, () => this.table.insert(r, () => `variable ${r.key} already exists (or the workspace does not)`));
  }
  async update(id: string, patch: VariablePatch) {
    return call(this.c, () => this.updateTx.immediate(id, patch));
  }
  async delete(id: string) {
    return call(this.c, () => this.table.delete(id));
  }
}

export function createSqliteWorkspaceStores(c: SqliteContext): WorkspaceStores {
  return {
    workspaces: new SqliteWorkspaces(c),
    teamAccess: new SqliteTeamAccess(c),
    configurationVersions: new SqliteConfigurationVersions(c),
    runs: new SqliteRuns(c),
    stateVersions: new SqliteStateVersions(c),
    variables: new SqliteVariables(c),
  };
}
