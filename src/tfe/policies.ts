/**
 * Policies, policy sets and policy set parameters (TFE API pages "Policies", "Policy Sets",
 * "Policy Set Parameters"), kept in the store's resources section. Validation and the rules that
 * tie them together live here; the routes only parse bodies and authorize.
 *
 * - A policy is Sentinel (enforce levels advisory, soft-mandatory, hard-mandatory) or OPA (`kind`
 *   opa with a `query`; levels advisory, mandatory). Its code is uploaded separately
 *   (PUT /policies/:id/upload) and stored with the record.
 * - Names are unique per organization (case-insensitive): the store's uniqueKey refuses a
 *   duplicate atomically, answered as TFE's 422 "has already been taken".
 * - A policy set holds policy ids and workspace ids in its attributes; readers drop ids that no
 *   longer resolve, so deleting a policy or workspace needs no second write.
 */
import { StoreConflictError, type OrganizationRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import type { TfeDeps } from './deps.ts';
import { newId } from './deps.ts';
import { TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const POLICY = 'policies';
export const POLICY_SET = 'policy-sets';
export const POLICY_SET_PARAMETER = 'policy-set-parameters';

export type PolicyKind = 'sentinel' | 'opa';
export type EnforcementLevel = 'advisory' | 'soft-mandatory' | 'hard-mandatory' | 'mandatory';

export const LEVELS: Record<PolicyKind, readonly EnforcementLevel[]> = {
  sentinel: ['advisory', 'soft-mandatory', 'hard-mandatory'],
  opa: ['advisory', 'mandatory'],
};

export interface PolicyAttrs {
  name: string;
  description: string | null;
  kind: PolicyKind;
  query: string | null;
  /** The file the enforcement applies to (TFE's `enforce[].path`, `<name>.sentinel` by default). */
  path: string;
  level: EnforcementLevel;
  /** The uploaded code; null until the first upload. */
  code: string | null;
}

export interface PolicySetAttrs {
  name: string;
  description: string | null;
  global: boolean;
  kind: PolicyKind;
  overridable: boolean;
  policiesPath: string | null;
  agentEnabled: boolean;
  policyToolVersion: string | null;
  policyIds: string[];
  workspaceIds: string[];
  excludedWorkspaceIds: string[];
}

export interface ParameterAttrs {
  key: string;
  value: string;
  sensitive: boolean;
}

export type Policy = ResourceRecord<PolicyAttrs>;
export type PolicySet = ResourceRecord<PolicySetAttrs>;
export type Parameter = ResourceRecord<ParameterAttrs>;

type Deps = Pick<TfeDeps, 'store' | 'clock' | 'ids'>;

/** TFE: "Name can only include letters, numbers, -, and _." (policies and policy sets alike). */
const NAME = /^[A-Za-z0-9_-]{1,256}$/;

export function checkName(name: string): void {
  if (!name.trim()) throw new TfeError('invalid', "Name can't be blank", 'name');
  if (!NAME.test(name)) throw new TfeError('invalid', 'Name can only include letters, numbers, -, and _ (at most 256 characters)', 'name');
}

export function checkLevel(kind: PolicyKind, level: string): EnforcementLevel {
  if (!(LEVELS[kind] as readonly string[]).includes(level)) {
    throw new TfeError('invalid', `Enforcement level ${JSON.stringify(level)} is not valid for a ${kind} policy; use one of ${LEVELS[kind].join(', ')}`, 'enforcement-level');
  }
  return level as EnforcementLevel;
}

const nameKey = (organizationId: string, name: string) => `${organizationId}/${name.toLowerCase()}`;

const taken = (err: unknown, what: string, field = 'name'): never => {
  if (err instanceof StoreConflictError) throw new TfeError('taken', `${what} has already been taken`, field);
  throw err;
};

export interface NewPolicy {
  name: string;
  description: string | null;
  kind: PolicyKind;
  query: string | null;
  path: string | null;
  level: string;
}

export async function createPolicy(deps: Deps, org: OrganizationRecord, input: NewPolicy): Promise<Policy> {
  checkName(input.name);
  const level = checkLevel(input.kind, input.level);
  if (input.kind === 'opa' && !input.query?.trim()) throw new TfeError('invalid', "Query can't be blank for an OPA policy", 'query');
  const record: Policy = newResource({
    id: newId(deps.ids, 'pol'),
    type: POLICY,
    organizationId: org.id,
    uniqueKey: nameKey(org.id, input.name),
    at: deps.clock.now(),
    attributes: {
      name: input.name,
      description: input.description,
      kind: input.kind,
      query: input.kind === 'opa' ? input.query : null,
      path: input.path ?? `${input.name}.${input.kind === 'opa' ? 'rego' : 'sentinel'}`,
      level,
      code: null,
    },
  });
  try {
    await deps.store.resources.create(record);
  } catch (err) {
    taken(err, 'Name');
  }
  return record;
}

export interface PolicyChange {
  name?: string;
  description?: string | null;
  query?: string | null;
  level?: string;
  code?: string;
}

export async function updatePolicy(deps: Deps, policy: Policy, change: PolicyChange): Promise<Policy> {
  const a = { ...policy.attributes };
  if (change.name !== undefined) {
    checkName(change.name);
    a.name = change.name;
  }
  if (change.description !== undefined) a.description = change.description;
  if (change.query !== undefined && a.kind === 'opa') a.query = change.query;
  if (change.level !== undefined) a.level = checkLevel(a.kind, change.level);
  if (change.code !== undefined) a.code = change.code;
  try {
    const updated = await deps.store.resources.update<PolicyAttrs>(POLICY, policy.id, {
      attributes: a,
      uniqueKey: nameKey(policy.organizationId, a.name),
      updatedAt: deps.clock.now(),
    });
    if (!updated) throw new TfeError('not-found', 'policy not found');
    return updated;
  } catch (err) {
    return taken(err, 'Name');
  }
}

/** The policy sets of `organizationId` (small per organization: listed whole). */
export const setsOf = (deps: Pick<TfeDeps, 'store'>, organizationId: string) => deps.store.resources.listAll<PolicySetAttrs>(POLICY_SET, { organizationId });

/** The ids in `ids` that still name a record of `type` in the organization, in order, once each. */
export async function resolving(deps: Pick<TfeDeps, 'store'>, type: string, organizationId: string, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of new Set(ids)) {
    const found = type === 'workspaces' ? await deps.store.workspaces.get(id) : await deps.store.resources.get(type, id);
    if (found && found.organizationId === organizationId) out.push(id);
  }
  return out;
}

/** Refuses ids that do not name a policy / workspace of the organization (422 naming the first). */
export async function checkMembers(deps: Pick<TfeDeps, 'store'>, type: 'policies' | 'workspaces', organizationId: string, ids: string[]): Promise<void> {
  const ok = new Set(await resolving(deps, type, organizationId, ids));
  const bad = ids.find((id) => !ok.has(id));
  if (bad !== undefined) throw new TfeError('invalid', `${type === 'policies' ? 'Policy' : 'Workspace'} ${bad} was not found in this organization`, type);
}

/** A new policy set's input: every attribute a stored set has (one shape, not a second copy). */
export type NewPolicySet = PolicySetAttrs;

export async function createPolicySet(deps: Deps, org: OrganizationRecord, input: NewPolicySet): Promise<PolicySet> {
  checkName(input.name);
  await checkMembers(deps, 'policies', org.id, input.policyIds);
  await checkMembers(deps, 'workspaces', org.id, [...input.workspaceIds, ...input.excludedWorkspaceIds]);
  const record: PolicySet = newResource({
    id: newId(deps.ids, 'polset'),
    type: POLICY_SET,
    organizationId: org.id,
    uniqueKey: nameKey(org.id, input.name),
    at: deps.clock.now(),
    attributes: { ...input, policyIds: [...new Set(input.policyIds)], workspaceIds: [...new Set(input.workspaceIds)], excludedWorkspaceIds: [...new Set(input.excludedWorkspaceIds)] },
  });
  try {
    await deps.store.resources.create(record);
  } catch (err) {
    taken(err, 'Name');
  }
  return record;
}

export async function updatePolicySet(deps: Deps, set: PolicySet, change: Partial<PolicySetAttrs>): Promise<PolicySet> {
  const a: PolicySetAttrs = { ...set.attributes, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  if (change.name !== undefined) checkName(change.name);
  try {
    const updated = await deps.store.resources.update<PolicySetAttrs>(POLICY_SET, set.id, { attributes: a, uniqueKey: nameKey(set.organizationId, a.name), updatedAt: deps.clock.now() });
    if (!updated) throw new TfeError('not-found', 'policy set not found');
    return updated;
  } catch (err) {
    return taken(err, 'Name');
  }
}

/** POST/DELETE /policy-sets/:id/relationships/{policies,workspaces,workspace-exclusions}. */
export async function changeMembers(deps: Deps, set: PolicySet, field: 'policyIds' | 'workspaceIds' | 'excludedWorkspaceIds', ids: string[], op: 'add' | 'remove'): Promise<PolicySet> {
  if (op === 'add') await checkMembers(deps, field === 'policyIds' ? 'policies' : 'workspaces', set.organizationId, ids);
  const current = set.attributes[field];
  const next = op === 'add' ? [...new Set([...current, ...ids])] : current.filter((id) => !ids.includes(id));
  return updatePolicySet(deps, set, { [field]: next });
}

/** TFE: a parameter key is required and unique within its policy set. */
const PARAM_KEY = /^[^\s=]{1,128}$/;

export async function createParameter(deps: Deps, set: PolicySet, input: ParameterAttrs): Promise<Parameter> {
  if (!input.key.trim()) throw new TfeError('invalid', "Key can't be blank", 'key');
  if (!PARAM_KEY.test(input.key)) throw new TfeError('invalid', 'Key is at most 128 characters without whitespace or "="', 'key');
  const record: Parameter = newResource({
    id: newId(deps.ids, 'var'),
    type: POLICY_SET_PARAMETER,
    organizationId: set.organizationId,
    parentId: set.id,
    uniqueKey: `${set.id}/${input.key}`,
    at: deps.clock.now(),
    attributes: input,
  });
  try {
    await deps.store.resources.create(record);
  } catch (err) {
    taken(err, 'Key', 'key');
  }
  return record;
}

export async function updateParameter(deps: Deps, param: Parameter, change: Partial<ParameterAttrs>): Promise<Parameter> {
  const a = { ...param.attributes };
  if (change.key !== undefined) {
    if (!PARAM_KEY.test(change.key)) throw new TfeError('invalid', 'Key is at most 128 characters without whitespace or "="', 'key');
    a.key = change.key;
  }
  if (change.value !== undefined) a.value = change.value;
  if (change.sensitive !== undefined) {
    // TFE: a sensitive parameter cannot be made non-sensitive again (its value would leak).
    if (a.sensitive && !change.sensitive) throw new TfeError('invalid', 'a sensitive parameter cannot be made non-sensitive; delete it and create it again', 'sensitive');
    a.sensitive = change.sensitive;
  }
  try {
    const updated = await deps.store.resources.update<ParameterAttrs>(POLICY_SET_PARAMETER, param.id, { attributes: a, uniqueKey: `${param.parentId}/${a.key}`, updatedAt: deps.clock.now() });
    if (!updated) throw new TfeError('not-found', 'parameter not found');
    return updated;
  } catch (err) {
    return taken(err, 'Key', 'key');
  }
}

/** Sets that list the policy keep its id; readers resolve ids (`resolving`), so a deleted policy drops out of them. */
export async function deletePolicy(deps: Pick<TfeDeps, 'store'>, policy: Policy): Promise<boolean> {
  return deps.store.resources.delete(POLICY, policy.id);
}

/** Its parameters (parentId = the set) go with it. */
export async function deletePolicySet(deps: Pick<TfeDeps, 'store'>, set: PolicySet): Promise<boolean> {
  return deps.store.resources.delete(POLICY_SET, set.id);
}

export async function deleteParameter(deps: Pick<TfeDeps, 'store'>, param: Parameter): Promise<boolean> {
  return deps.store.resources.delete(POLICY_SET_PARAMETER, param.id);
}
