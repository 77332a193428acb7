/**
 * Run triggers (TFE API: run-triggers): a run applied in the source workspace (`sourceable`)
 * queues a run in the target workspace. Rules as TFE: both in one organization, a workspace
 * cannot be its own source, at most MAX_SOURCES sources per target, one trigger per pair.
 */
import { StoreConflictError, type WorkspaceRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { newId, type TfeDeps } from './deps.ts';
import { invalid } from './errors.ts';
import { newResource } from './resource-records.ts';

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

export type RunTrigger = ResourceRecord<RunTriggerAttributes>;

/** The target's triggers whose source still exists (a deleted source's trigger is gone with it). */
async function liveSources(d: Pick<TfeDeps, 'store'>, target: WorkspaceRecord): Promise<number> {
  let live = 0;
  for (const rt of await d.store.resources.listAll<RunTriggerAttributes>(RUN_TRIGGER_TYPE, { workspaceId: target.id })) {
    if (await d.store.workspaces.get(rt.attributes.sourceableId)) live += 1;
  }
  return live;
}

/** `source` is undefined when it is missing or hidden from the caller (T7: the same answer). */
export async function createRunTrigger(d: TfeDeps, target: WorkspaceRecord, source: WorkspaceRecord | undefined): Promise<{ trigger: RunTrigger; source: WorkspaceRecord }> {
  const checked = checkRunTrigger(target, source, await liveSources(d, target));
  const record = newResource<RunTriggerAttributes>({ id: newId(d.ids, 'rt'), type: RUN_TRIGGER_TYPE, organizationId: target.organizationId, workspaceId: target.id, uniqueKey: pairKey(target.id, checked.id), at: d.clock.now(), attributes: { sourceableId: checked.id } });
  try {
    await d.store.resources.create(record);
  } catch (err) {
    if (err instanceof StoreConflictError) throw invalid('sourceable', 'Sourceable has already been taken: this workspace already triggers the target');
    throw err;
  }
  return { trigger: record, source: checked };
}

export async function deleteRunTrigger(d: Pick<TfeDeps, 'store'>, rt: RunTrigger): Promise<boolean> {
  return d.store.resources.delete(RUN_TRIGGER_TYPE, rt.id);
}
