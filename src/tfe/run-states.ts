/**
 * The run state machine, the one place it is written (TFE docs: "Run states"; the Runs API's
 * actions and its `is-confirmable`, `is-discardable`, `is-cancelable` flags). Each status names the
 * statuses a run may move to from it and the user actions it allows; runs.ts builds the patches,
 * the scheduler and the API ask runStateAllows before writing, the stores take their final set
 * from here. Adding a status (e.g. a policy check between cost estimation and confirmation) is one
 * entry below, plus the step in runs.ts that moves a run into and out of it.
 *
 * The RunStatus type is derived from this table, so a status cannot exist without its rule. This
 * module imports nothing, so the store's types can use it without an import cycle.
 */

/** User actions on a run: POST /runs/:id/actions/{apply,discard,cancel,force-cancel}. */
export type RunAction = 'apply' | 'discard' | 'cancel' | 'force-cancel';
export const RUN_ACTIONS: readonly RunAction[] = ['apply', 'discard', 'cancel', 'force-cancel'];

interface RunStateRule {
  /** Where a run may go from here, by a step of the scheduler or by an action. */
  next: readonly string[];
  actions: readonly RunAction[];
  /** A worker is busy: a cancel is recorded now and honoured at the worker's next step. */
  running?: true;
  /** The run ended: it frees the workspace's queue and nothing moves it again. */
  final?: true;
}

// A run waiting for confirmation may be applied or discarded; go-tfe confirms as soon as it sees
// `planned`, so the cost estimate that follows does not close that window.
const AWAITING_CONFIRMATION: readonly RunAction[] = ['apply', 'discard', 'cancel', 'force-cancel'];
// Force-cancel is allowed wherever cancel is; runs.ts adds the cool-off after a cancel request.
const CANCELABLE: readonly RunAction[] = ['cancel', 'force-cancel'];
const CANCELED = ['canceled', 'force_canceled'] as const;
const END: RunStateRule = { next: [], actions: [], final: true };

export const RUN_STATES = {
  pending: { next: ['plan_queued', 'discarded', ...CANCELED], actions: ['discard', ...CANCELABLE] },
  plan_queued: { next: ['planning', ...CANCELED], actions: CANCELABLE },
  // A plan on a workspace that policy sets apply to goes straight to its check (policy-checks.ts):
  // passed, soft-failed (held for an override) or hard-failed (errored).
  planning: { next: ['planned', 'planned_and_finished', 'policy_checked', 'policy_override', 'errored', ...CANCELED], actions: CANCELABLE, running: true },
  planned: { next: ['cost_estimating', 'confirmed', 'discarded', ...CANCELED], actions: AWAITING_CONFIRMATION },
  cost_estimating: { next: ['cost_estimated', 'confirmed', 'discarded', ...CANCELED], actions: AWAITING_CONFIRMATION },
  cost_estimated: { next: ['confirmed', 'discarded', ...CANCELED], actions: AWAITING_CONFIRMATION },
  policy_checked: { next: ['confirmed', 'discarded', ...CANCELED], actions: AWAITING_CONFIRMATION },
  policy_override: { next: ['policy_checked', 'discarded', ...CANCELED], actions: ['discard', ...CANCELABLE] },
  confirmed: { next: ['apply_queued', ...CANCELED], actions: CANCELABLE },
  apply_queued: { next: ['applying', ...CANCELED], actions: CANCELABLE },
  applying: { next: ['applied', 'errored', ...CANCELED], actions: CANCELABLE, running: true },
  applied: END,
  planned_and_finished: END,
  discarded: END,
  canceled: END,
  force_canceled: END,
  errored: END,
} as const satisfies Record<string, RunStateRule>;

export type RunStatus = keyof typeof RUN_STATES;
export const RUN_STATUSES = Object.keys(RUN_STATES) as RunStatus[];

const rule = (s: RunStatus): RunStateRule => RUN_STATES[s];
const isAction = (x: string): x is RunAction => (RUN_ACTIONS as readonly string[]).includes(x);

/**
 * Whether a run in `status` may take `what`: a user action (apply, discard, cancel,
 * force-cancel) or a move to another status. Unknown statuses allow nothing.
 */
export function runStateAllows(status: RunStatus, what: RunAction | RunStatus): boolean {
  const r = Object.hasOwn(RUN_STATES, status) ? rule(status) : undefined;
  if (!r) return false;
  return isAction(what) ? r.actions.includes(what) : r.next.includes(what);
}

export const FINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(RUN_STATUSES.filter((s) => rule(s).final));
/** Statuses in which a worker is busy (a cancel waits for its next step). */
export const RUNNING_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(RUN_STATUSES.filter((s) => rule(s).running));
