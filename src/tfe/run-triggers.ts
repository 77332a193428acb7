/**
 * Run triggers (TFE API: run-triggers): a run applied in the source workspace (`sourceable`)
 * queues a run in the target workspace. Rules as TFE: both in one organization, a workspace
 * cannot be its own source, at most MAX_SOURCES sources per target, one trigger per pair.
 */
import type { WorkspaceRecord } from '../store/types.ts';
import { invalid } from './errors.ts';

export const RUN_TRIGGER_TYPE = 'run-triggers';
/** TFE: "A workspace can have up to 20 source workspaces." */
export const MAX_SOURCES = 20;

export interface RunTriggerAttributes {
  sourceableId: string;
}

/** The unique key of a (target, source) pair: a second trigger for it is refused atomically. */
export const pairKey = (targetId: string, sourceId: string) => `${targetId}/${sourceId}`;

export function checkRunTrigger(target: WorkspaceRecord, source: WorkspaceRecord | undefined, existingSources: number): WorkspaceRecord {
  if (!source || source.organizationId !== target.organizationId) throw invalid('sourceable', 'Sourceable must be a workspace of the same organization');
  if (source.id === target.id) throw invalid('sourceable', 'Sourceable cannot be the same workspace as the one it triggers');
  if (existingSources >= MAX_SOURCES) throw invalid('sourceable', `Workspace cannot have more than ${MAX_SOURCES} source workspaces`);
  return source;
}
