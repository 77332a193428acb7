/**
 * Simulated policy checks (TFE API page "Policy Checks"). No Sentinel or OPA runs here: the
 * outcome of a policy is decided from its uploaded code by a fixed, documented rule
 * (docs/api.md, "Policies and policy sets"):
 *
 *   a policy FAILS when its code contains the marker `# samlgate: fail`, or when its `main` rule
 *   is literally `rule { false }` (what go-tfe's tests upload for a failing policy); otherwise
 *   (code that passes, or no code uploaded yet) it PASSES.
 *
 * A failure counts at the policy's enforcement level. The check is hard_failed if any
 * hard-mandatory (OPA: mandatory) policy failed, else soft_failed if any soft-mandatory one did,
 * else passed (advisory failures are only counted).
 *
 * The run integration is one call, afterPlan(), at the plan-finished step of the scheduler: when
 * policy sets apply to the workspace, it records the check and turns the step's `planned` into
 * the run's post-check status in the same compare-and-set write (policy_checked, policy_override
 * for a soft failure, errored for a hard failure), with the policy-checking timestamps, so no
 * reader ever sees a planned run without its check.
 */
import { StoreConflictError, type RunPatch, type RunRecord, type Store } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { derivedId } from './deps.ts';
import { TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';
import { POLICY, POLICY_SET, type PolicyAttrs, type PolicySetAttrs } from './policies.ts';

export const POLICY_CHECK = 'policy-checks';

export type PolicyCheckStatus = 'passed' | 'soft_failed' | 'hard_failed' | 'overridden';

export interface PolicyCheckResult {
  'advisory-failed': number;
  duration: number;
  'hard-failed': number;
  passed: number;
  result: boolean;
  'soft-failed': number;
  'total-failed': number;
}

export interface PolicyCheckAttrs {
  runId: string;
  status: PolicyCheckStatus;
  result: PolicyCheckResult;
  statusTimestamps: Record<string, number>;
  log: string;
}

export type PolicyCheck = ResourceRecord<PolicyCheckAttrs>;

const FAIL_MARKER = '# samlgate: fail';
const FALSE_MAIN = /(^|\n)\s*main\s*=\s*rule\s*\{\s*false\s*\}/;

/** The simulation's one rule (see the module comment). */
export function policyFails(code: string | null): boolean {
  return code !== null && (code.includes(FAIL_MARKER) || FALSE_MAIN.test(code));
}

/** The policies every policy set that applies to the workspace holds (global or attached, not excluded), once each. */
export async function policiesFor(store: Store, organizationId: string, workspaceId: string): Promise<ResourceRecord<PolicyAttrs>[]> {
  const sets = await store.resources.listAll<PolicySetAttrs>(POLICY_SET, { organizationId });
  const ids = new Set<string>();
  for (const s of sets) {
    const a = s.attributes;
    const applies = (a.global || a.workspaceIds.includes(workspaceId)) && !a.excludedWorkspaceIds.includes(workspaceId);
    if (applies) for (const id of a.policyIds) ids.add(id);
  }
  const out: ResourceRecord<PolicyAttrs>[] = [];
  for (const id of ids) {
    const p = await store.resources.get<PolicyAttrs>(POLICY, id);
    if (p && p.organizationId === organizationId) out.push(p);
  }
  return out;
}

export function evaluate(policies: ResourceRecord<PolicyAttrs>[]): { status: PolicyCheckStatus; result: PolicyCheckResult; log: string } {
  const r: PolicyCheckResult = { 'advisory-failed': 0, duration: 0, 'hard-failed': 0, passed: 0, result: true, 'soft-failed': 0, 'total-failed': 0 };
  const lines = ['(samlgate: this policy check is simulated; no Sentinel or OPA runs)', ''];
  for (const p of policies) {
    const fails = policyFails(p.attributes.code);
    const level = p.attributes.level;
    lines.push(`${fails ? 'FAIL' : 'PASS'} - ${p.attributes.name} (${level})`);
    if (!fails) r.passed++;
    else if (level === 'advisory') r['advisory-failed']++;
    else if (level === 'soft-mandatory') r['soft-failed']++;
    else r['hard-failed']++;
  }
  r['total-failed'] = r['advisory-failed'] + r['soft-failed'] + r['hard-failed'];
  r.result = r['soft-failed'] + r['hard-failed'] === 0;
  const status: PolicyCheckStatus = r['hard-failed'] ? 'hard_failed' : r['soft-failed'] ? 'soft_failed' : 'passed';
  lines.push('', `${policies.length} policies evaluated.`, `Result: ${status}`);
  return { status, result: r, log: `${lines.join('\n')}\n` };
}

/** The run's checks, oldest first (a run has at most one here). */
export async function checksOfRun(store: Store, run: RunRecord): Promise<PolicyCheck[]> {
  const all = await store.resources.listAll<PolicyCheckAttrs>(POLICY_CHECK, { workspaceId: run.workspaceId });
  return all.filter((c) => c.attributes.runId === run.id);
}

/**
 * The hook at the plan-finished step: `patch` is the step that takes `run` to `planned`. Returns
 * it unchanged when no policy applies, else records the check and returns the post-check patch.
 * The check's id derives from the run's, so a step retried after a lost compare-and-set finds the
 * check it already wrote instead of writing a second one.
 */
export async function afterPlan(store: Store, run: RunRecord, patch: RunPatch, now: number): Promise<RunPatch> {
  if (patch.status !== 'planned') return patch;
  const workspace = await store.workspaces.get(run.workspaceId);
  if (!workspace) return patch;
  const policies = await policiesFor(store, workspace.organizationId, workspace.id);
  if (policies.length === 0) return patch;
  const outcome = evaluate(policies);
  const at = outcome.status === 'passed' ? 'passed-at' : outcome.status === 'soft_failed' ? 'soft-failed-at' : 'hard-failed-at';
  const check: PolicyCheck = newResource({
    id: derivedId('polchk', run.id),
    type: POLICY_CHECK,
    organizationId: workspace.organizationId,
    workspaceId: workspace.id,
    at: now,
    attributes: { runId: run.id, status: outcome.status, result: outcome.result, statusTimestamps: { 'queued-at': now, [at]: now }, log: outcome.log },
  });
  try {
    await store.resources.create(check);
  } catch (err) {
    if (!(err instanceof StoreConflictError)) throw err;
  }
  const stamps = { ...(patch.statusTimestamps ?? run.statusTimestamps), 'policy-checking-at': now };
  if (outcome.status === 'passed') return { ...patch, status: 'policy_checked', statusTimestamps: { ...stamps, 'policy-checked-at': now } };
  if (outcome.status === 'soft_failed') return { ...patch, status: 'policy_override', statusTimestamps: { ...stamps, 'policy-override-at': now } };
  return {
    ...patch,
    status: 'errored',
    statusTimestamps: { ...stamps, 'errored-at': now },
    apply: { ...(patch.apply ?? run.apply), status: 'unreachable', statusTimestamps: { ...(patch.apply ?? run.apply).statusTimestamps, 'unreachable-at': now } },
  };
}

/**
 * POST /policy-checks/:id/actions/override: only a soft-failed check of a run still waiting in
 * policy_override (TFE `is-overridable`). The run continues as policy_checked.
 */
export async function overrideCheck(store: Store, check: PolicyCheck, now: number): Promise<PolicyCheck> {
  if (check.attributes.status !== 'soft_failed') {
    throw new TfeError('transition-not-allowed', `the policy check is ${check.attributes.status}; only a soft_failed check can be overridden`);
  }
  const run = await store.runs.get(check.attributes.runId);
  if (!run || run.status !== 'policy_override') {
    throw new TfeError('transition-not-allowed', `the run is ${run?.status ?? 'gone'}; only a run waiting in policy_override can be overridden`);
  }
  const moved = await store.runs.transition(run.id, 'policy_override', {
    status: 'policy_checked',
    statusTimestamps: { ...run.statusTimestamps, 'policy-checked-at': now },
  });
  if (!moved) throw new TfeError('transition-not-allowed', 'the run changed state while this request was processed; read it again and retry');
  const updated = await store.resources.update<PolicyCheckAttrs>(POLICY_CHECK, check.id, {
    attributes: { ...check.attributes, status: 'overridden', statusTimestamps: { ...check.attributes.statusTimestamps, 'overridden-at': now } },
    updatedAt: now,
  });
  if (!updated) throw new TfeError('not-found', 'policy check not found');
  return updated;
}
