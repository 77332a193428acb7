/**
 * In-memory implementation of the workspaces section (types-workspaces.ts), the reference the
 * SQLite one is held to. As in memory.ts, each method runs to completion without an await in
 * between, so on one event loop every step is atomic.
 */
import { clone, copyOut } from './memory-copy.ts';
import { StoreConflictError, type Page, type Paged } from './types.ts';
import {
  FINAL_RUN_STATUSES,
  type ConfigurationVersionRecord,
  type ConfigurationVersionStore,
  type LockHolder,
  type LockResult,
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
} from './types-workspaces.ts';

function paginate<T>(all: T[], page: Page, copy: (t: T) => T): Paged<T> {
  const start = (page.number - 1) * page.size;
  return { items: all.slice(start, start + page.size).map(copy), total: all.length };
}

const sameHolder = (a: LockHolder | null, b: LockHolder) => a !== null && a.kind === b.kind && a.id === b.id;

/** A run that occupies its workspace's queue: not final, not plan-only, past `pending`. */
export const holdsQueue = (r: RunRecord) => !r.planOnly && !FINAL_RUN_STATUSES.has(r.status) && r.status !== 'pending';

/** What the workspaces section needs to know of the rest of the memory store (its cascades). */
export interface MemoryParents {
  organizationExists(id: string): boolean;
  teamExists(id: string): boolean;
  /** Called when a workspace goes (directly or with its organization): the resources section's cascade. */
  workspaceDeleted?(id: string): void;
}

class WsState {
  constructor(readonly parents: MemoryParents) {}

  /**
   * SQL cascades a deleted organization to its workspaces (and through them to runs,
   * configuration versions, state versions and variables) and a deleted team to its team access.
   * The parents live in the other half of the memory store, which calls these at the moment of
   * the delete: eager, so every read afterwards sees what SQLite would (a lazy sweep on some reads
   * once let runs and configuration versions of a deleted organization survive).
   */
  organizationDeleted(id: string) {
    for (const w of [...this.workspaces.values()]) if (w.organizationId === id) this.deleteWorkspace(w.id);
  }

  teamDeleted(id: string) {
    for (const [k, t] of this.teamAccess) if (t.teamId === id) this.teamAccess.delete(k);
  }

  workspaces = new Map<string, WorkspaceRecord>();
  teamAccess = new Map<string, TeamAccessRecord>();
  cvs = new Map<string, ConfigurationVersionRecord>();
  slugs = new Map<string, Buffer>();
  runs = new Map<string, RunRecord>();
  runIdByPhase = new Map<string, string>();
  stateVersions = new Map<string, StateVersionRecord>();
  states = new Map<string, Buffer>();
  variables = new Map<string, VariableRecord>();

  runsOf(workspaceId: string): RunRecord[] {
    return [...this.runs.values()].filter((r) => r.workspaceId === workspaceId);
  }

  deleteWorkspace(id: string) {
    this.workspaces.delete(id);
    this.parents.workspaceDeleted?.(id);
    for (const [k, v] of this.teamAccess) if (v.workspaceId === id) this.teamAccess.delete(k);
    for (const [k, v] of this.cvs) if (v.workspaceId === id) (this.cvs.delete(k), this.slugs.delete(k));
    for (const [k, v] of this.runs) {
      if (v.workspaceId !== id) continue;
      this.runs.delete(k);
      this.runIdByPhase.delete(v.plan.id);
      this.runIdByPhase.delete(v.apply.id);
    }
    for (const [k, v] of this.stateVersions) if (v.workspaceId === id) (this.stateVersions.delete(k), this.states.delete(k));
    for (const [k, v] of this.variables) if (v.workspaceId === id) this.variables.delete(k);
  }
}

const byName = (a: WorkspaceRecord, b: WorkspaceRecord) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
// Ties on createdAt (the manual clock stands still) keep insertion order: Map iteration order is
// insertion order and Array.prototype.sort is stable. The SQLite store orders by rowid likewise.
const oldestFirst = <T extends { createdAt: number }>(a: T, b: T) => a.createdAt - b.createdAt;
const newestFirstList = <T extends { createdAt: number }>(all: T[]) => all.sort(oldestFirst).reverse();

class MemoryWorkspaces implements WorkspaceStore {
  constructor(private readonly s: WsState) {}
  async get(id: string) {
    return copyOut(this.s.workspaces, id, clone);
  }
  async getByName(organizationId: string, name: string) {
    for (const w of this.s.workspaces.values()) if (w.organizationId === organizationId && w.name === name) return clone(w);
    return undefined;
  }
  async listByOrganization(organizationId: string, page: Page, filter: WorkspaceFilter = {}) {
    let all = [...this.s.workspaces.values()].filter((w) => w.organizationId === organizationId);
    if (filter.search) {
      const q = filter.search.toLowerCase();
      all = all.filter((w) => w.name.toLowerCase().includes(q));
    }
    if (filter.ids) {
      const ids = new Set(filter.ids);
      all = all.filter((w) => ids.has(w.id));
    }
    return paginate(all.sort(byName), page, clone);
  }
  async create(w: WorkspaceRecord) {
    if (this.s.workspaces.has(w.id)) throw new StoreConflictError('workspace id already exists');
    if (!this.s.parents.organizationExists(w.organizationId)) throw new StoreConflictError(`organization ${w.organizationId} does not exist`);
    if (await this.getByName(w.organizationId, w.name)) throw new StoreConflictError(`workspace ${w.name} already exists`);
    this.s.workspaces.set(w.id, clone(w));
  }
  async update(id: string, patch: { name?: string; settings?: Partial<WorkspaceSettings>; updatedAt: number }) {
    const w = this.s.workspaces.get(id);
    if (!w) return undefined;
    if (patch.name !== undefined && patch.name !== w.name) {
      const taken = await this.getByName(w.organizationId, patch.name);
      if (taken) throw new StoreConflictError(`workspace ${patch.name} already exists`);
    }
    const next: WorkspaceRecord = { ...w, name: patch.name ?? w.name, settings: { ...w.settings, ...clone(patch.settings ?? {}) }, updatedAt: patch.updatedAt };
    this.s.workspaces.set(id, next);
    return clone(next);
  }
  async delete(id: string) {
    if (!this.s.workspaces.has(id)) return false;
    this.s.deleteWorkspace(id);
    return true;
  }
  async lock(id: string, holder: LockHolder, reason: string | null): Promise<LockResult> {
    const w = this.s.workspaces.get(id);
    if (!w) return { ok: false, reason: 'not-found' };
    if (w.lockedBy) return { ok: false, reason: 'already', workspace: clone(w) };
    w.lockedBy = { ...holder };
    w.lockReason = reason;
    return { ok: true, workspace: clone(w) };
  }
  async unlock(id: string, by: LockHolder, force: boolean): Promise<LockResult> {
    const w = this.s.workspaces.get(id);
    if (!w) return { ok: false, reason: 'not-found' };
    if (!w.lockedBy) return { ok: false, reason: 'already', workspace: clone(w) };
    if (!force && !sameHolder(w.lockedBy, by)) return { ok: false, reason: 'held-by-other', workspace: clone(w) };
    w.lockedBy = null;
    w.lockReason = null;
    return { ok: true, workspace: clone(w) };
  }
}

class MemoryTeamAccess implements TeamAccessStore {
  constructor(private readonly s: WsState) {}
  async get(id: string) {
    return copyOut(this.s.teamAccess, id, clone);
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    const all = [...this.s.teamAccess.values()].filter((t) => t.workspaceId === workspaceId).sort(oldestFirst);
    return paginate(all, page, clone);
  }
  async forWorkspace(workspaceId: string, teamIds: string[]) {
    const teams = new Set(teamIds);
    return [...this.s.teamAccess.values()].filter((t) => t.workspaceId === workspaceId && teams.has(t.teamId)).map(clone);
  }
  async forTeams(teamIds: string[]) {
    const teams = new Set(teamIds);
    return [...this.s.teamAccess.values()].filter((t) => teams.has(t.teamId)).map(clone);
  }
  async create(r: TeamAccessRecord) {
    if (this.s.teamAccess.has(r.id)) throw new StoreConflictError('team access id already exists');
    if (!this.s.parents.teamExists(r.teamId) || !this.s.workspaces.has(r.workspaceId)) throw new StoreConflictError('the team or the workspace does not exist');
    for (const t of this.s.teamAccess.values()) {
      if (t.teamId === r.teamId && t.workspaceId === r.workspaceId) throw new StoreConflictError('the team already has access to this workspace');
    }
    this.s.teamAccess.set(r.id, clone(r));
  }
  async update(id: string, patch: TeamAccessPatch) {
    const t = this.s.teamAccess.get(id);
    if (!t) return undefined;
    const next = { ...t, ...patch };
    this.s.teamAccess.set(id, next);
    return clone(next);
  }
  async delete(id: string) {
    return this.s.teamAccess.delete(id);
  }
}

class MemoryConfigurationVersions implements ConfigurationVersionStore {
  constructor(private readonly s: WsState) {}
  async get(id: string) {
    return copyOut(this.s.cvs, id, clone);
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    const all = newestFirstList([...this.s.cvs.values()].filter((c) => c.workspaceId === workspaceId));
    return paginate(all, page, clone);
  }
  async create(r: ConfigurationVersionRecord) {
    if (this.s.cvs.has(r.id)) throw new StoreConflictError('configuration version id already exists');
    if (!this.s.workspaces.has(r.workspaceId)) throw new StoreConflictError(`workspace ${r.workspaceId} does not exist`);
    this.s.cvs.set(r.id, clone(r));
  }
  async markUploaded(id: string, slug: Buffer, resourceAddresses: string[], at: number) {
    const c = this.s.cvs.get(id);
    if (!c) return 'not-found' as const;
    if (c.status !== 'pending') return 'not-pending' as const;
    c.status = 'uploaded';
    c.resourceAddresses = [...resourceAddresses];
    c.size = slug.length;
    c.statusTimestamps = { ...c.statusTimestamps, 'started-at': at, 'finished-at': at };
    this.s.slugs.set(id, Buffer.from(slug));
    return 'ok' as const;
  }
  async getSlug(id: string) {
    return copyOut(this.s.slugs, id, (b) => Buffer.from(b));
  }
}

class MemoryRuns implements RunStore {
  constructor(private readonly s: WsState) {}
  async get(id: string) {
    return copyOut(this.s.runs, id, clone);
  }
  async getByPlanId(planId: string) {
    const id = this.s.runIdByPhase.get(planId);
    const r = id ? this.s.runs.get(id) : undefined;
    return r && r.plan.id === planId ? clone(r) : undefined;
  }
  async getByApplyId(applyId: string) {
    const id = this.s.runIdByPhase.get(applyId);
    const r = id ? this.s.runs.get(id) : undefined;
    return r && r.apply.id === applyId ? clone(r) : undefined;
  }
  async listByWorkspace(workspaceId: string, page: Page, opts: { statuses?: RunStatus[] } = {}) {
    let all = this.s.runsOf(workspaceId);
    if (opts.statuses) {
      const st = new Set(opts.statuses);
      all = all.filter((r) => st.has(r.status));
    }
    return paginate(newestFirstList(all), page, clone);
  }
  async enqueue(run: RunRecord) {
    const ws = this.s.workspaces.get(run.workspaceId);
    if (!ws) throw new StoreConflictError(`workspace ${run.workspaceId} does not exist`);
    if (this.s.runs.has(run.id)) throw new StoreConflictError('run id already exists');
    const waiting = !run.planOnly && this.s.runsOf(run.workspaceId).some((r) => !r.planOnly && !FINAL_RUN_STATUSES.has(r.status));
    const stored: RunRecord = clone(run);
    if (waiting) stored.status = 'pending';
    else {
      stored.status = 'plan_queued';
      stored.statusTimestamps = { ...stored.statusTimestamps, 'plan-queueable-at': run.createdAt, 'plan-queued-at': run.createdAt };
      stored.plan = { ...stored.plan, status: 'queued', statusTimestamps: { ...stored.plan.statusTimestamps, 'queued-at': run.createdAt } };
    }
    this.s.runs.set(run.id, stored);
    this.s.runIdByPhase.set(run.plan.id, run.id);
    this.s.runIdByPhase.set(run.apply.id, run.id);
    if (!run.planOnly) ws.currentRunId = run.id;
    return clone(stored);
  }
  async transition(id: string, from: RunStatus | RunStatus[], patch: RunPatch) {
    const r = this.s.runs.get(id);
    const allowed = Array.isArray(from) ? from : [from];
    if (!r || !allowed.includes(r.status)) return undefined;
    const next: RunRecord = { ...r, ...clone(patch) };
    this.s.runs.set(id, next);
    return clone(next);
  }
  async promoteNext(workspaceId: string, now: number) {
    const runs = this.s.runsOf(workspaceId);
    if (runs.some(holdsQueue)) return undefined;
    const next = runs.filter((r) => r.status === 'pending').sort(oldestFirst)[0];
    if (!next) return undefined;
    next.status = 'plan_queued';
    next.statusTimestamps = { ...next.statusTimestamps, 'plan-queueable-at': now, 'plan-queued-at': now };
    next.plan = { ...next.plan, status: 'queued', statusTimestamps: { ...next.plan.statusTimestamps, 'queued-at': now } };
    return clone(next);
  }
  async listActive() {
    return [...this.s.runs.values()].filter((r) => !FINAL_RUN_STATUSES.has(r.status)).sort(oldestFirst).map(clone);
  }
}

class MemoryStateVersions implements StateVersionStore {
  constructor(private readonly s: WsState) {}
  async get(id: string) {
    return copyOut(this.s.stateVersions, id, clone);
  }
  async getState(id: string) {
    return copyOut(this.s.states, id, (b) => Buffer.from(b));
  }
  async getOutput(id: string) {
    for (const sv of this.s.stateVersions.values()) {
      const output = sv.outputs.find((o) => o.id === id);
      if (output) return { output: clone(output), stateVersion: clone(sv) };
    }
    return undefined;
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    const all = newestFirstList([...this.s.stateVersions.values()].filter((v) => v.workspaceId === workspaceId)).sort((a, b) => b.serial - a.serial);
    return paginate(all, page, clone);
  }
  async create(record: StateVersionRecord, state: Buffer, expectCurrentId: string | null) {
    const ws = this.s.workspaces.get(record.workspaceId);
    if (!ws) return { ok: false as const, reason: 'not-found' as const };
    if (ws.currentStateVersionId !== expectCurrentId) return { ok: false as const, reason: 'current-changed' as const };
    if (this.s.stateVersions.has(record.id)) throw new StoreConflictError('state version id already exists');
    this.s.stateVersions.set(record.id, clone(record));
    this.s.states.set(record.id, Buffer.from(state));
    ws.currentStateVersionId = record.id;
    return { ok: true as const };
  }
}

class MemoryVariables implements VariableStore {
  constructor(private readonly s: WsState) {}
  async get(id: string) {
    return copyOut(this.s.variables, id, clone);
  }
  async listByWorkspace(workspaceId: string, page: Page) {
    const all = [...this.s.variables.values()]
      .filter((v) => v.workspaceId === workspaceId)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
    return paginate(all, page, clone);
  }
  private taken(workspaceId: string, key: string, category: string, exceptId?: string) {
    for (const v of this.s.variables.values()) {
      if (v.id !== exceptId && v.workspaceId === workspaceId && v.key === key && v.category === category) return true;
    }
    return false;
  }
  async create(r: VariableRecord) {
    if (this.s.variables.has(r.id)) throw new StoreConflictError('variable id already exists');
    if (!this.s.workspaces.has(r.workspaceId)) throw new StoreConflictError(`workspace ${r.workspaceId} does not exist`);
    if (this.taken(r.workspaceId, r.key, r.category)) throw new StoreConflictError(`variable ${r.key} already exists`);
    this.s.variables.set(r.id, clone(r));
  }
  async update(id: string, patch: VariablePatch) {
    const v = this.s.variables.get(id);
    if (!v) return undefined;
    const next = { ...v, ...patch };
    if (this.taken(v.workspaceId, next.key, next.category, id)) throw new StoreConflictError(`variable ${next.key} already exists`);
    this.s.variables.set(id, next);
    return clone(next);
  }
  async delete(id: string) {
    return this.s.variables.delete(id);
  }
}

/** The cascades the other half of the memory store calls when it deletes a parent. */
export interface MemoryCascades {
  organizationDeleted(id: string): void;
  teamDeleted(id: string): void;
}

export function createMemoryWorkspaceStores(parents: MemoryParents = { organizationExists: () => true, teamExists: () => true }): {
  stores: WorkspaceStores;
  cascades: MemoryCascades;
  workspaceExists(id: string): boolean;
} {
  const s = new WsState(parents);
  return {
    stores: {
      workspaces: new MemoryWorkspaces(s),
      teamAccess: new MemoryTeamAccess(s),
      configurationVersions: new MemoryConfigurationVersions(s),
      runs: new MemoryRuns(s),
      stateVersions: new MemoryStateVersions(s),
      variables: new MemoryVariables(s),
    },
    cascades: { organizationDeleted: (id) => s.organizationDeleted(id), teamDeleted: (id) => s.teamDeleted(id) },
    workspaceExists: (id) => s.workspaces.has(id),
  };
}
