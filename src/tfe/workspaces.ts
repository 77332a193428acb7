/**
 * Workspace domain operations: defaults as TFE applies them on create, renames that keep names
 * unique, and the name rule. Handlers validate shapes (zod) and call these; no HTTP here.
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { StoreConflictError, type Store, type WorkspaceRecord, type WorkspaceSettings } from '../store/types.ts';
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
