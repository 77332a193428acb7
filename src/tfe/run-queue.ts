/**
 * Queueing a run (POST /runs, or a configuration upload with auto-queue-runs): builds the record
 * and hands it to the store's atomic "queue unless one is active" (RunStore.enqueue), so the
 * one-run-at-a-time rule holds however many requests race. No HTTP here.
 */
import type { ConfigurationVersionRecord, LockHolder, PhaseRecord, RunRecord, WorkspaceRecord } from '../store/types.ts';
import type { DomainDeps } from './workspaces.ts';

export interface QueueRunInput {
  workspace: WorkspaceRecord;
  configurationVersion: ConfigurationVersionRecord;
  createdBy: LockHolder | null;
  source: string;
  message?: string;
  isDestroy?: boolean;
  autoApply?: boolean;
  /** TFE `save-plan`: the plan is kept for a later apply, so the run never applies on its own. */
  savePlan?: boolean;
  planOnly?: boolean;
  refresh?: boolean;
  refreshOnly?: boolean;
  targetAddrs?: string[] | null;
  replaceAddrs?: string[] | null;
}

const emptyPhase = (id: string): PhaseRecord => ({ id, status: 'pending', statusTimestamps: {}, resourceAdditions: 0, resourceChanges: 0, resourceDestructions: 0, log: '' });

export async function queueRun(d: DomainDeps, i: QueueRunInput): Promise<RunRecord> {
  const now = d.clock.now();
  const run: RunRecord = {
    id: `run-${d.ids.random(16)}`,
    workspaceId: i.workspace.id,
    configurationVersionId: i.configurationVersion.id,
    status: 'pending',
    statusTimestamps: {},
    message: i.message ?? 'Queued manually via the Terraform Enterprise API',
    source: i.source,
    isDestroy: i.isDestroy ?? false,
    refresh: i.refresh ?? true,
    refreshOnly: i.refreshOnly ?? false,
    // A speculative configuration can only plan (TFE), whatever the run asks for.
    planOnly: (i.planOnly ?? false) || i.configurationVersion.speculative,
    // A saved plan waits for an explicit apply whatever auto-apply says (TFE: saved-plan runs).
    autoApply: i.savePlan ? false : (i.autoApply ?? i.workspace.settings.autoApply),
    ...(i.savePlan ? { savePlan: true } : {}),
    targetAddrs: i.targetAddrs ?? null,
    replaceAddrs: i.replaceAddrs ?? null,
    hasChanges: false,
    createdAt: now,
    createdBy: i.createdBy,
    canceledAt: null,
    forceCancelAvailableAt: null,
    plan: emptyPhase(`plan-${d.ids.random(16)}`),
    apply: emptyPhase(`apply-${d.ids.random(16)}`),
  };
  return d.store.runs.enqueue(run);
}
