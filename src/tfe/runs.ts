/**
 * The simulated run lifecycle: TFE's run states (docs: "Run states" and the Runs API; which moves
 * and actions each status allows is the table in run-states.ts) as one pure step function plus the
 * user actions (apply, discard, cancel, force-cancel), each a
 * compare-and-set patch the store applies atomically. No I/O and no clock reads here: `now` is
 * passed in (samlgate's clock, so phase timestamps follow `--clock manual`).
 *
 *   pending -> plan_queued -> planning -> planned -> cost_estimating -> cost_estimated
 *     -> (auto-apply, or POST .../actions/apply) confirmed -> apply_queued -> applying -> applied
 *   planning -> planned_and_finished   (no changes, or a plan-only run)
 *   pending | awaiting confirmation -> discarded;  any cancelable state -> canceled;
 *   a cancel that was not honoured, after the cool-off -> force_canceled
 *
 * The plan is synthetic (documented in docs/workspaces.md): it adds one resource per `resource`
 * block found in the uploaded configuration, and changes and destroys nothing.
 */
import type { PhaseRecord, RunPatch, RunRecord, RunStatus } from '../store/types.ts';
import { RUNNING_RUN_STATUSES as RUNNING, runStateAllows } from './run-states.ts';
import type { SyntheticChangeSet } from './synthetic-plan.ts';

/** TFE: force-cancel becomes available this long after a cancel request ("cool-off period"). */
export const FORCE_CANCEL_COOL_OFF_MS = 60 * 60_000;

/** The patch of a transition into `to`; refused (null) when the run-states table does not allow it. */
const checked = (run: RunRecord, patch: RunPatch): RunPatch | null => (patch.status === undefined || runStateAllows(run.status, patch.status) ? patch : null);

const stamp = (run: RunRecord, key: string, now: number) => ({ ...run.statusTimestamps, [key]: now });
const phase = (p: PhaseRecord, patch: Partial<PhaseRecord>, tsKey?: string, now?: number): PhaseRecord => ({
  ...p,
  ...patch,
  statusTimestamps: tsKey && now !== undefined ? { ...p.statusTimestamps, [tsKey]: now } : p.statusTimestamps,
});

export function planLog(run: RunRecord, terraformVersion: string, change: SyntheticChangeSet): string {
  const lines = [
    `Terraform v${terraformVersion === 'latest' ? '1.12.2' : terraformVersion}`,
    'on linux_amd64',
    'Initializing plugins and modules...',
    '',
    '(samlgate: this plan is synthetic; nothing is executed)',
    '',
  ];
  if (!change.additions && !change.destructions) {
    lines.push('No changes. Your infrastructure matches the configuration.');
  } else {
    lines.push('Terraform will perform the following actions:', '');
    for (const address of change.addresses) lines.push(`  # ${address} will be ${run.isDestroy ? 'destroyed' : 'created'}`);
    lines.push('');
  }
  lines.push(`Plan: ${change.additions} to add, 0 to change, ${change.destructions} to destroy.`);
  return `${lines.join('\n')}\n`;
}

export function applyLog(change: SyntheticChangeSet): string {
  const lines = ['(samlgate: this apply is synthetic; nothing is executed)', ''];
  for (const address of change.addresses) lines.push(`${address}: ${change.destructions ? 'Destruction' : 'Creation'} complete after 0s`);
  lines.push('', `Apply complete! Resources: ${change.additions} added, 0 changed, ${change.destructions} destroyed.`);
  return `${lines.join('\n')}\n`;
}

export interface StepInputs {
  now: number;
  terraformVersion: string;
  change: SyntheticChangeSet;
}

/**
 * The next automatic step of a run, or null when it waits (for the queue, for confirmation) or
 * is final. The scheduler applies it with transition(run.id, run.status, patch). A step the
 * run-states table does not allow is never returned.
 */
export function nextStep(run: RunRecord, i: StepInputs): RunPatch | null {
  const patch = stepPatch(run, i);
  return patch && checked(run, patch);
}

function stepPatch(run: RunRecord, i: StepInputs): RunPatch | null {
  const { now } = i;
  // A cancel requested while a worker was busy is honoured at the worker's next step.
  if (run.canceledAt !== null && RUNNING.has(run.status)) {
    return cancelNow(run, now);
  }
  switch (run.status) {
    case 'plan_queued':
      return { status: 'planning', statusTimestamps: stamp(run, 'planning-at', now), plan: phase(run.plan, { status: 'running' }, 'started-at', now) };
    case 'planning': {
      const plan = phase(run.plan, {
        status: 'finished',
        resourceAdditions: i.change.additions,
        resourceChanges: 0,
        resourceDestructions: i.change.destructions,
        log: planLog(run, i.terraformVersion, i.change),
      }, 'finished-at', now);
      const hasChanges = i.change.additions + i.change.destructions > 0;
      if (!hasChanges || run.planOnly) {
        return {
          status: 'planned_and_finished',
          hasChanges,
          statusTimestamps: { ...stamp(run, 'planned-at', now), 'planned-and-finished-at': now },
          plan,
          apply: phase(run.apply, { status: 'unreachable' }, 'unreachable-at', now),
        };
      }
      return { status: 'planned', hasChanges, statusTimestamps: stamp(run, 'planned-at', now), plan };
    }
    case 'planned':
      return { status: 'cost_estimating', statusTimestamps: stamp(run, 'cost-estimating-at', now) };
    case 'cost_estimating':
      return { status: 'cost_estimated', statusTimestamps: stamp(run, 'cost-estimated-at', now) };
    case 'cost_estimated':
    case 'policy_checked':
      // Auto-apply confirms on its own; otherwise the run waits for POST .../actions/apply.
      return run.autoApply ? confirmNow(run, now) : null;
    case 'confirmed':
      return { status: 'apply_queued', statusTimestamps: stamp(run, 'apply-queued-at', now), apply: phase(run.apply, { status: 'queued' }, 'queued-at', now) };
    case 'apply_queued':
      return { status: 'applying', statusTimestamps: stamp(run, 'applying-at', now), apply: phase(run.apply, { status: 'running' }, 'started-at', now) };
    case 'applying':
      return {
        status: 'applied',
        statusTimestamps: stamp(run, 'applied-at', now),
        apply: phase(run.apply, {
          status: 'finished',
          resourceAdditions: i.change.additions,
          resourceChanges: 0,
          resourceDestructions: i.change.destructions,
          log: applyLog(i.change),
        }, 'finished-at', now),
      };
    default:
      return null;
  }
}

function confirmNow(run: RunRecord, now: number): RunPatch {
  return { status: 'confirmed', statusTimestamps: stamp(run, 'confirmed-at', now), apply: phase(run.apply, { status: 'pending' }) };
}

function cancelNow(run: RunRecord, now: number): RunPatch {
  const inApply = ['confirmed', 'apply_queued', 'applying'].includes(run.status);
  return {
    status: 'canceled',
    statusTimestamps: stamp(run, 'canceled-at', now),
    plan: inApply || run.plan.status === 'finished' ? run.plan : phase(run.plan, { status: 'canceled' }, 'canceled-at', now),
    apply: inApply ? phase(run.apply, { status: 'canceled' }, 'canceled-at', now) : phase(run.apply, { status: 'unreachable' }, 'unreachable-at', now),
  };
}

export type ActionResult = { ok: true; from: RunStatus; patch: RunPatch } | { ok: false; detail: string };

const refuse = (detail: string): ActionResult => ({ ok: false, detail });

/** POST /runs/:id/actions/apply: only a run waiting for confirmation (TFE `is-confirmable`). */
export function confirmRun(run: RunRecord, now: number): ActionResult {
  if (run.planOnly) return refuse('this run is plan-only and cannot be applied');
  if (!runStateAllows(run.status, 'apply')) return refuse(`the run is ${run.status}; only a planned run that waits for confirmation can be applied`);
  return { ok: true, from: run.status, patch: confirmNow(run, now) };
}

export function discardRun(run: RunRecord, now: number): ActionResult {
  if (!runStateAllows(run.status, 'discard')) return refuse(`the run is ${run.status}; only a pending run or one waiting for confirmation can be discarded`);
  return {
    ok: true,
    from: run.status,
    patch: {
      status: 'discarded',
      statusTimestamps: stamp(run, 'discarded-at', now),
      apply: phase(run.apply, { status: 'unreachable' }, 'unreachable-at', now),
      plan: run.plan.status === 'finished' ? run.plan : phase(run.plan, { status: 'unreachable' }, 'unreachable-at', now),
    },
  };
}

/**
 * POST /runs/:id/actions/cancel. A run that is only queued stops at once; a busy one stops at its
 * worker's next step. Either way TFE records when force-cancel becomes available.
 */
export function cancelRun(run: RunRecord, now: number): ActionResult {
  if (!runStateAllows(run.status, 'cancel')) return refuse(`the run is ${run.status} and can no longer be canceled`);
  if (run.canceledAt !== null) return refuse('a cancel was already requested for this run; force-cancel it after force-cancel-available-at');
  const requested = { canceledAt: now, forceCancelAvailableAt: now + FORCE_CANCEL_COOL_OFF_MS };
  if (RUNNING.has(run.status)) return { ok: true, from: run.status, patch: requested };
  return { ok: true, from: run.status, patch: { ...requested, ...cancelNow(run, now) } };
}

export function isForceCancelable(run: RunRecord, now: number): boolean {
  return runStateAllows(run.status, 'force-cancel') && run.forceCancelAvailableAt !== null && now >= run.forceCancelAvailableAt;
}

export function forceCancelRun(run: RunRecord, now: number): ActionResult {
  if (!isForceCancelable(run, now)) {
    return refuse(
      run.forceCancelAvailableAt === null || !runStateAllows(run.status, 'force-cancel')
        ? `the run is ${run.status}; force-cancel needs a run that did not stop after a cancel request`
        : `force-cancel is available from ${new Date(run.forceCancelAvailableAt).toISOString()}`,
    );
  }
  const c = cancelNow(run, now);
  return { ok: true, from: run.status, patch: { ...c, status: 'force_canceled', statusTimestamps: { ...run.statusTimestamps, 'force-canceled-at': now } } };
}
