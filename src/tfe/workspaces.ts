/**
 * Workspace domain operations: defaults as TFE applies them on create, renames that keep names
 * unique, and the name rule. Handlers validate shapes (zod) and call these; no HTTP here.
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { StoreConflictError, type LockHolder, type Store, type WorkspaceRecord, type WorkspaceSettings } from '../store/types.ts';
import { TfeError } from './errors.ts';
import { LATEST_TERRAFORM_VERSION } from './terraform-versions.ts';

export interface DomainDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
}

/** TFE: "can only include letters, numbers, -, and _", at most 90 characters. */
export const WORKSPACE_NAME = /^[A-Za-z0-9_-]{1,90}$/;

export function defaultSettings(): WorkspaceSettings {
  return {
    description: null,
    autoApply: false,
    allowDestroyPlan: true,
    executionMode: 'remote',
    fileTriggersEnabled: true,
    queueAllRuns: false,
    speculativeEnabled: true,
    terraformVersion: LATEST_TERRAFORM_VERSION,
    triggerPrefixes: [],
    triggerPatterns: [],
    workingDirectory: '',
    globalRemoteState: false,
    sourceName: null,
    sourceUrl: null,
    tagNames: [],
    projectId: null,
  };
}

export type WorkspaceWriteResult = { ok: true; workspace: WorkspaceRecord } | { ok: false; reason: 'name-taken' | 'not-found' };

export async function createWorkspace(d: DomainDeps, organizationId: string, name: string, settings: Partial<WorkspaceSettings>): Promise<WorkspaceWriteResult> {
  const now = d.clock.now();
  const workspace: WorkspaceRecord = {
    id: `ws-${d.ids.random(16)}`,
    organizationId,
    name,
    createdAt: now,
    updatedAt: now,
    settings: { ...defaultSettings(), ...settings },
    lockedBy: null,
    lockReason: null,
    currentRunId: null,
    currentStateVersionId: null,
  };
  try {
    await d.store.workspaces.create(workspace);
  } catch (err) {
    if (err instanceof StoreConflictError) return { ok: false, reason: 'name-taken' };
    throw err;
  }
  return { ok: true, workspace };
}

export async function updateWorkspace(d: DomainDeps, id: string, patch: { name?: string; settings: Partial<WorkspaceSettings> }): Promise<WorkspaceWriteResult> {
  try {
    const workspace = await d.store.workspaces.update(id, { ...patch, updatedAt: d.clock.now() });
    return workspace ? { ok: true, workspace } : { ok: false, reason: 'not-found' };
  } catch (err) {
    if (err instanceof StoreConflictError) return { ok: false, reason: 'name-taken' };
    throw err;
  }
}

/** Deletes the workspace; the store cascades its team access, configuration versions, runs, state versions and variables. */
export async function deleteWorkspace(d: Pick<DomainDeps, 'store'>, id: string): Promise<boolean> {
  return d.store.workspaces.delete(id);
}

/** TFE: locking a locked workspace is a 409, whoever holds it (compare-and-set in the store, so two lockers cannot both win). */
export async function lockWorkspace(d: Pick<DomainDeps, 'store'>, id: string, holder: LockHolder, reason: string | null): Promise<WorkspaceRecord> {
  const result = await d.store.workspaces.lock(id, holder, reason);
  if (result.ok) return result.workspace;
  if (result.reason === 'not-found') throw new TfeError('not-found', 'workspace not found');
  throw new TfeError('locked', 'Unable to lock workspace. The workspace is already locked.');
}

/** Only the holder unlocks; `force` (an admin's force-unlock) takes anyone's lock. */
export async function unlockWorkspace(d: Pick<DomainDeps, 'store'>, id: string, by: LockHolder, force: boolean): Promise<WorkspaceRecord> {
  const result = await d.store.workspaces.unlock(id, by, force);
  if (result.ok) return result.workspace;
  if (result.reason === 'not-found') throw new TfeError('not-found', 'workspace not found');
  if (result.reason === 'already') throw new TfeError('locked', 'Unable to unlock workspace. The workspace is not locked.');
  const holder = result.workspace.lockedBy!;
  throw new TfeError('locked', `Unable to unlock workspace. The workspace is locked by ${holder.kind} ${holder.id}; only the holder may unlock it, or an admin may force-unlock it.`);
}
