/**
 * Workspace-domain records -> TFE-shaped JSON:API resources (attribute names and shapes from the
 * Workspaces, Team Access, Configuration Versions, Runs, Plans, Applies, State Versions and
 * Variables API pages). The `permissions` objects come from src/tfe/workspace-access.ts.
 */
import { projectOfWorkspace } from '../tfe/projects.ts';
import type {
  ConfigurationVersionRecord,
  OrganizationRecord,
  PhaseRecord,
  RunRecord,
  StateOutputRecord,
  StateVersionRecord,
  TeamAccessRecord,
  VariableRecord,
  WorkspaceRecord,
} from '../store/types.ts';
import { runStateAllows } from '../tfe/run-states.ts';
import { isForceCancelable } from '../tfe/runs.ts';
import { runPermissions, workspacePermissions, type WorkspaceFacts } from '../tfe/workspace-access.ts';
import { iso } from './jsonapi.ts';

const rel = (type: string, id: string | null | undefined) => ({ data: id ? { id, type } : null });

const timestamps = (ts: Record<string, number>) => Object.fromEntries(Object.entries(ts).map(([k, v]) => [k, iso(v)]));

export function workspaceResource(w: WorkspaceRecord, org: OrganizationRecord, facts: WorkspaceFacts) {
  const s = w.settings;
  return {
    id: w.id,
    type: 'workspaces',
    attributes: {
      name: w.name,
      description: s.description,
      'auto-apply': s.autoApply,
      'setting-overwrites': { 'execution-mode': s.settingOverwrites?.executionMode ?? true, 'agent-pool': s.settingOverwrites?.agentPool ?? true },
      'allow-destroy-plan': s.allowDestroyPlan,
      'execution-mode': s.executionMode,
      // Deprecated alias of execution-mode that older clients (go-tfe < 0.12) still send and read.
      operations: s.executionMode !== 'local',
      'file-triggers-enabled': s.fileTriggersEnabled,
      'queue-all-runs': s.queueAllRuns,
      'speculative-enabled': s.speculativeEnabled,
      'terraform-version': s.terraformVersion,
      'trigger-prefixes': s.triggerPrefixes,
      'trigger-patterns': s.triggerPatterns,
      'working-directory': s.workingDirectory,
      'global-remote-state': s.globalRemoteState,
      'source-name': s.sourceName,
      'source-url': s.sourceUrl,
      'tag-names': s.tagNames,
      'created-at': iso(w.createdAt),
      'updated-at': iso(w.updatedAt),
      locked: w.lockedBy !== null,
      'lock-reason': w.lockReason,
      environment: 'default',
      'vcs-repo': null,
      'vcs-repo-identifier': null,
      'agent-pool-id': null,
      'migration-environment': null,
      'structured-run-output-enabled': true,
      'assessments-enabled': false,
      'auto-destroy-at': null,
      'resource-count': 0,
      'apply-duration-average': null,
      'plan-duration-average': null,
      'policy-check-failures': null,
      'run-failures': null,
      'workspace-kpis-runs-count': null,
      'latest-change-at': iso(w.updatedAt),
      'can-queue-destroy-plan': s.allowDestroyPlan,
      actions: { 'is-destroyable': true },
      permissions: workspacePermissions(facts),
    },
    relationships: {
      organization: rel('organizations', org.name),
      'current-run': rel('runs', w.currentRunId),
      'latest-run': rel('runs', w.currentRunId),
      'current-state-version': rel('state-versions', w.currentStateVersionId),
      'locked-by': w.lockedBy ? rel(w.lockedBy.kind === 'user' ? 'users' : w.lockedBy.kind === 'team' ? 'teams' : 'organizations', w.lockedBy.kind === 'organization' ? org.name : w.lockedBy.id) : { data: null },
      'ssh-key': { data: null },
      project: rel('projects', projectOfWorkspace(w)),
      'agent-pool': { data: null },
      vars: { links: { related: `/api/v2/workspaces/${w.id}/vars` } },
      runs: { links: { related: `/api/v2/workspaces/${w.id}/runs` } },
    },
    links: { self: `/api/v2/organizations/${encodeURIComponent(org.name)}/workspaces/${encodeURIComponent(w.name)}`, 'self-html': `/app/${encodeURIComponent(org.name)}/workspaces/${encodeURIComponent(w.name)}` },
  };
}

/** The organization as `include=organization` embeds it. */
export function includedOrganization(org: OrganizationRecord) {
  return {
    id: org.name,
    type: 'organizations',
    attributes: { name: org.name, email: org.email, 'external-id': org.id, 'created-at': iso(org.createdAt) },
    links: { self: `/api/v2/organizations/${encodeURIComponent(org.name)}` },
  };
}

export function teamAccessResource(t: TeamAccessRecord) {
  return {
    id: t.id,
    type: 'team-workspaces',
    attributes: {
      access: t.access,
      runs: t.runs,
      variables: t.variables,
      'state-versions': t.stateVersions,
      'sentinel-mocks': t.sentinelMocks,
      'workspace-locking': t.workspaceLocking,
      'run-tasks': t.runTasks,
    },
    relationships: { team: rel('teams', t.teamId), workspace: rel('workspaces', t.workspaceId) },
    links: { self: `/api/v2/team-workspaces/${t.id}` },
  };
}

export function configurationVersionResource(cv: ConfigurationVersionRecord, uploadUrl: string | null) {
  return {
    id: cv.id,
    type: 'configuration-versions',
    attributes: {
      'auto-queue-runs': cv.autoQueueRuns,
      error: cv.error,
      'error-message': cv.errorMessage,
      source: cv.source,
      speculative: cv.speculative,
      provisional: false,
      status: cv.status,
      'status-timestamps': timestamps(cv.statusTimestamps),
      // A capability URL, only while an upload can still happen (TFE: null once uploaded).
      'upload-url': cv.status === 'pending' ? uploadUrl : null,
      changed_files: [],
    },
    relationships: { ingress_attributes: { data: null } },
    links: { self: `/api/v2/configuration-versions/${cv.id}`, download: `/api/v2/configuration-versions/${cv.id}/download` },
  };
}

function phaseAttributes(p: PhaseRecord, logUrl: string | null) {
  const done = p.status === 'finished';
  return {
    status: p.status,
    'status-timestamps': timestamps(p.statusTimestamps),
    'log-read-url': logUrl,
    'resource-additions': done ? p.resourceAdditions : 0,
    'resource-changes': done ? p.resourceChanges : 0,
    'resource-destructions': done ? p.resourceDestructions : 0,
    'resource-imports': 0,
  };
}

export function planResource(run: RunRecord, logUrl: string | null) {
  return {
    id: run.plan.id,
    type: 'plans',
    attributes: { ...phaseAttributes(run.plan, logUrl), 'has-changes': run.plan.status === 'finished' && run.hasChanges, 'execution-details': { mode: 'remote' }, 'generated-configuration': false },
    relationships: { run: rel('runs', run.id), exports: { data: [] } },
    links: { self: `/api/v2/plans/${run.plan.id}`, 'json-output': `/api/v2/plans/${run.plan.id}/json-output` },
  };
}

export function applyResource(run: RunRecord, logUrl: string | null) {
  return {
    id: run.apply.id,
    type: 'applies',
    attributes: { ...phaseAttributes(run.apply, logUrl), 'execution-details': { mode: 'remote' } },
    relationships: { run: rel('runs', run.id), 'state-versions': { data: [] } },
    links: { self: `/api/v2/applies/${run.apply.id}` },
  };
}

/** Each run has one cost estimate; its id is derived from the run's, so it needs no record of its own. */
export const costEstimateId = (run: RunRecord) => `ce-${run.id.slice('run-'.length)}`;
export const runIdOfCostEstimate = (id: string) => (id.startsWith('ce-') ? `run-${id.slice(3)}` : undefined);

/**
 * The cost estimate phase (API docs: "Cost Estimates"), synthetic like the plan: it always
 * finishes at zero cost. Confirming or stopping the run during the estimate cancels it.
 */
export function costEstimateResource(run: RunRecord) {
  const ts = run.statusTimestamps;
  let status: string;
  const timestamps: Record<string, number> = {};
  if (ts['cost-estimating-at'] !== undefined) timestamps['queued-at'] = ts['cost-estimating-at'];
  if (ts['cost-estimated-at'] !== undefined) {
    status = 'finished';
    timestamps['finished-at'] = ts['cost-estimated-at'];
  } else if (run.status === 'cost_estimating') status = 'queued';
  else if (ts['cost-estimating-at'] !== undefined || ['discarded', 'canceled', 'force_canceled', 'errored', 'planned_and_finished'].includes(run.status)) {
    status = 'canceled';
    const end = ts['confirmed-at'] ?? ts['discarded-at'] ?? ts['canceled-at'] ?? ts['force-canceled-at'] ?? ts['planned-and-finished-at'];
    if (end !== undefined) timestamps['canceled-at'] = end;
  } else status = 'pending';
  const counted = run.plan.status === 'finished' ? run.plan.resourceAdditions + run.plan.resourceDestructions : 0;
  return {
    id: costEstimateId(run),
    type: 'cost-estimates',
    attributes: {
      'delta-monthly-cost': '0.00',
      'prior-monthly-cost': '0.00',
      'proposed-monthly-cost': '0.00',
      'error-message': null,
      'matched-resources-count': 0,
      'resources-count': counted,
      'unmatched-resources-count': counted,
      status,
      'status-timestamps': Object.fromEntries(Object.entries(timestamps).map(([k, v]) => [k, iso(v)])),
    },
    links: { self: `/api/v2/cost-estimates/${costEstimateId(run)}` },
  };
}

export function runResource(run: RunRecord, facts: WorkspaceFacts, now: number, positionInQueue: number, policyCheckIds: string[] = []) {
  const createdByType = run.createdBy?.kind === 'user' ? 'users' : null;
  return {
    id: run.id,
    type: 'runs',
    attributes: {
      actions: {
        'is-cancelable': runStateAllows(run.status, 'cancel') && run.canceledAt === null,
        'is-confirmable': !run.planOnly && runStateAllows(run.status, 'apply'),
        'is-discardable': runStateAllows(run.status, 'discard'),
        'is-force-cancelable': isForceCancelable(run, now),
      },
      'allow-empty-apply': false,
      'auto-apply': run.autoApply,
      'save-plan': run.savePlan ?? false,
      'canceled-at': iso(run.canceledAt),
      'created-at': iso(run.createdAt),
      'force-cancel-available-at': iso(run.forceCancelAvailableAt),
      'has-changes': run.hasChanges,
      'is-destroy': run.isDestroy,
      message: run.message,
      'plan-only': run.planOnly,
      refresh: run.refresh,
      'refresh-only': run.refreshOnly,
      'replace-addrs': run.replaceAddrs,
      source: run.source,
      status: run.status,
      'status-timestamps': timestamps(run.statusTimestamps),
      'target-addrs': run.targetAddrs,
      'terraform-version': null,
      'trigger-reason': 'manual',
      variables: [],
      'position-in-queue': positionInQueue,
      permissions: runPermissions(facts),
    },
    relationships: {
      workspace: rel('workspaces', run.workspaceId),
      'configuration-version': rel('configuration-versions', run.configurationVersionId),
      plan: rel('plans', run.plan.id),
      apply: rel('applies', run.apply.id),
      'cost-estimate': rel('cost-estimates', costEstimateId(run)),
      'policy-checks': { data: policyCheckIds.map((id) => ({ id, type: 'policy-checks' })) },
      'run-events': { data: [] },
      'created-by': rel(createdByType ?? 'users', createdByType ? run.createdBy!.id : null),
    },
    links: { self: `/api/v2/runs/${run.id}` },
  };
}

export function stateVersionResource(sv: StateVersionRecord, downloadUrl: string | null) {
  return {
    id: sv.id,
    type: 'state-versions',
    attributes: {
      'created-at': iso(sv.createdAt),
      size: sv.size,
      serial: sv.serial,
      lineage: sv.lineage,
      md5: sv.md5,
      status: 'finalized',
      'state-version': 4,
      'terraform-version': sv.terraformVersion,
      'resources-processed': true,
      'hosted-state-download-url': downloadUrl,
      'hosted-json-state-download-url': null,
      'vcs-commit-sha': null,
      'vcs-commit-url': null,
      modules: null,
      providers: null,
      resources: null,
    },
    relationships: {
      run: rel('runs', sv.runId),
      'created-by': sv.createdBy?.kind === 'user' ? rel('users', sv.createdBy.id) : { data: null },
      workspace: rel('workspaces', sv.workspaceId),
      outputs: { data: sv.outputs.map((o) => ({ id: o.id, type: 'state-version-outputs' })) },
    },
    links: { self: `/api/v2/state-versions/${sv.id}` },
  };
}

export function stateOutputResource(o: StateOutputRecord) {
  return {
    id: o.id,
    type: 'state-version-outputs',
    // TFE returns sensitive output values to callers who may read state; we do the same.
    attributes: { name: o.name, sensitive: o.sensitive, type: o.type, value: o.value, 'detailed-type': o.type },
    links: { self: `/api/v2/state-version-outputs/${o.id}` },
  };
}

/** Sensitive values are write-only (TFE): `value` is null in every response, including create. */
export function variableResource(v: VariableRecord) {
  return {
    id: v.id,
    type: 'vars',
    attributes: {
      key: v.key,
      value: v.sensitive ? null : v.value,
      description: v.description,
      category: v.category,
      hcl: v.hcl,
      sensitive: v.sensitive,
      'created-at': iso(v.createdAt),
      'version-id': v.versionId,
    },
    relationships: { configurable: { data: { id: v.workspaceId, type: 'workspaces' }, links: { related: `/api/v2/workspaces/${v.workspaceId}` } } },
    links: { self: `/api/v2/workspaces/${v.workspaceId}/vars/${v.id}` },
  };
}
