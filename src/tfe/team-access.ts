/**
 * Team access records (TFE API "Team Access"): one record per team and workspace. The level's
 * implied permissions are decided by permissionSetFor (workspace-access.ts); this module keeps
 * the one-per-pair rule and owns the writes.
 */
import { StoreConflictError, type AccessLevel, type TeamAccessPatch, type TeamAccessRecord, type WorkspacePermissionSet } from '../store/types.ts';
import type { DomainDeps } from './workspaces.ts';
import { TfeError } from './errors.ts';

export async function addTeamAccess(d: DomainDeps, teamId: string, workspaceId: string, access: AccessLevel, permissions: WorkspacePermissionSet): Promise<TeamAccessRecord> {
  const record: TeamAccessRecord = { id: `tws-${d.ids.random(16)}`, teamId, workspaceId, access, ...permissions, createdAt: d.clock.now() };
  try {
    await d.store.teamAccess.create(record);
  } catch (err) {
    if (err instanceof StoreConflictError) throw new TfeError('taken', 'Team has already been taken', '/data/relationships/team');
    throw err;
  }
  return record;
}

export async function updateTeamAccess(d: Pick<DomainDeps, 'store'>, id: string, patch: TeamAccessPatch): Promise<TeamAccessRecord> {
  const updated = await d.store.teamAccess.update(id, patch);
  if (!updated) throw new TfeError('not-found', 'team access not found');
  return updated;
}

export async function removeTeamAccess(d: Pick<DomainDeps, 'store'>, id: string): Promise<boolean> {
  return d.store.teamAccess.delete(id);
}
