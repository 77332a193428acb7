/**
 * Variable sets (TFE API docs "Variable Sets",
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/variable-sets): an organization's
 * named set of variables, global or applied to chosen workspaces. Stored in the resources
 * section: a set is a `varsets` record (name unique per organization, case-insensitively, as TFE
 * refuses "Name has already been taken"), its variables are `vars` records whose parent is the
 * set (deleted with it), and the workspaces it applies to are an id array (readers drop ids that
 * no longer resolve). Stored, not injected into runs: samlgate's runs are simulated and read only
 * workspace variables.
 */
import { StoreConflictError } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { newId, type TfeDeps } from './deps.ts';
import { invalid, TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const VARSET = 'varsets';
export const VARSET_VAR = 'vars';

export interface VarsetAttributes {
  name: string;
  description: string;
  global: boolean;
  priority: boolean;
  workspaceIds: string[];
}

export interface VarsetVarAttributes {
  key: string;
  /** Kept for runs (never shown when sensitive). */
  value: string;
  description: string | null;
  category: 'terraform' | 'env';
  hcl: boolean;
  sensitive: boolean;
  versionId: string;
}

export type Varset = ResourceRecord<VarsetAttributes>;
export type VarsetVar = ResourceRecord<VarsetVarAttributes>;

const NAME_MAX = 128;
/** Terraform and environment variable names alike: no whitespace, no "=" (as workspace variables). */
const KEY = /^[^\s=]{1,128}$/;

function checkName(name: string): string {
  const n = name.trim();
  if (n.length === 0) throw invalid('name', "Name can't be blank");
  if (n.length > NAME_MAX) throw invalid('name', `Name is too long (maximum is ${NAME_MAX} characters)`);
  return n;
}

export function checkKey(key: string): string {
  if (!KEY.test(key)) throw invalid('key', 'Key is at most 128 characters without whitespace or "="');
  return key;
}

const nameKey = (organizationId: string, name: string) => `${organizationId}/${name.toLowerCase()}`;
const varKey = (varsetId: string, category: string, key: string) => `${varsetId}/${category}/${key}`;
const nameTaken = () => new TfeError('taken', 'Name has already been taken', 'name');
const keyTaken = (key: string) => new TfeError('taken', `Key has already been taken: a variable ${key} of this category exists in the variable set`, 'key');

async function conflictAs<T>(f: () => Promise<T>, err: () => TfeError): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof StoreConflictError) throw err();
    throw e;
  }
}

export async function createVarset(d: TfeDeps, organizationId: string, a: { name: string; description?: string | null; global?: boolean; priority?: boolean; workspaceIds?: string[] }): Promise<Varset> {
  const name = checkName(a.name);
  const record: Varset = newResource({
    id: newId(d.ids, 'varset'),
    type: VARSET,
    organizationId,
    uniqueKey: nameKey(organizationId, name),
    at: d.clock.now(),
    attributes: { name, description: a.description ?? '', global: a.global ?? false, priority: a.priority ?? false, workspaceIds: [] },
  });
  await conflictAs(() => d.store.resources.create(record), nameTaken);
  if (!a.workspaceIds?.length) return record;
  // One request, one outcome: a set whose workspaces are refused is not left behind half-made.
  return linkWorkspaces(d, record, a.workspaceIds, true).catch(async (e) => {
    await deleteVarset(d, record);
    throw e;
  });
}

/** Its variables (parentId = the set) go with it. */
export async function deleteVarset(d: Pick<TfeDeps, 'store'>, set: Varset): Promise<boolean> {
  return d.store.resources.delete(VARSET, set.id);
}

export async function deleteVarsetVar(d: Pick<TfeDeps, 'store'>, v: VarsetVar): Promise<boolean> {
  return d.store.resources.delete(VARSET_VAR, v.id);
}

export async function updateVarset(d: TfeDeps, set: Varset, a: { name?: string; description?: string | null; global?: boolean; priority?: boolean }): Promise<Varset> {
  const next: VarsetAttributes = { ...set.attributes };
  if (a.name !== undefined) next.name = checkName(a.name);
  if (a.description !== undefined) next.description = a.description ?? '';
  if (a.global !== undefined) next.global = a.global;
  if (a.priority !== undefined) next.priority = a.priority;
  const updated = await conflictAs(
    () => d.store.resources.update<VarsetAttributes>(VARSET, set.id, { attributes: next, uniqueKey: nameKey(set.organizationId, next.name), updatedAt: d.clock.now() }),
    nameTaken,
  );
  if (!updated) throw new TfeError('not-found', 'not found');
  return updated;
}

/** Applies (or, with `apply` false, removes) the set to workspaces of its own organization. */
export async function linkWorkspaces(d: TfeDeps, set: Varset, workspaceIds: string[], apply: boolean): Promise<Varset> {
  for (const id of workspaceIds) {
    const ws = await d.store.workspaces.get(id);
    if (!ws || ws.organizationId !== set.organizationId) throw invalid('workspaces', `workspace ${id} does not exist in this organization`);
  }
  const current = new Set(set.attributes.workspaceIds);
  for (const id of workspaceIds) {
    if (apply) current.add(id);
    else current.delete(id);
  }
  const updated = await d.store.resources.update<VarsetAttributes>(VARSET, set.id, { attributes: { ...set.attributes, workspaceIds: [...current] }, updatedAt: d.clock.now() });
  if (!updated) throw new TfeError('not-found', 'not found');
  return updated;
}

/** The workspace ids a set applies to that still exist (workspace deletion leaves stale ids behind). */
export async function liveWorkspaceIds(d: TfeDeps, set: Varset): Promise<string[]> {
  const out: string[] = [];
  for (const id of set.attributes.workspaceIds) if (await d.store.workspaces.get(id)) out.push(id);
  return out;
}

export async function createVarsetVar(d: TfeDeps, set: Varset, a: { key: string; value?: string | null; description?: string | null; category: 'terraform' | 'env'; hcl?: boolean; sensitive?: boolean }): Promise<VarsetVar> {
  const key = checkKey(a.key);
  const record: VarsetVar = newResource({
    id: newId(d.ids, 'var'),
    type: VARSET_VAR,
    organizationId: set.organizationId,
    parentId: set.id,
    uniqueKey: varKey(set.id, a.category, key),
    at: d.clock.now(),
    attributes: { key, value: a.value ?? '', description: a.description ?? null, category: a.category, hcl: a.hcl ?? false, sensitive: a.sensitive ?? false, versionId: d.ids.random(40) },
  });
  await conflictAs(() => d.store.resources.create(record), () => keyTaken(key));
  return record;
}

export async function updateVarsetVar(d: TfeDeps, v: VarsetVar, a: Partial<Omit<VarsetVarAttributes, 'versionId' | 'value'>> & { value?: string | null }): Promise<VarsetVar> {
  if (v.attributes.sensitive && a.sensitive === false) throw invalid('sensitive', 'a sensitive variable cannot be made non-sensitive; delete it and create it again');
  const next: VarsetVarAttributes = { ...v.attributes };
  if (a.key !== undefined) next.key = checkKey(a.key);
  if (a.value !== undefined) next.value = a.value ?? '';
  if (a.description !== undefined) next.description = a.description;
  if (a.category !== undefined) next.category = a.category;
  if (a.hcl !== undefined) next.hcl = a.hcl;
  if (a.sensitive !== undefined) next.sensitive = a.sensitive;
  next.versionId = d.ids.random(40);
  const updated = await conflictAs(
    () => d.store.resources.update<VarsetVarAttributes>(VARSET_VAR, v.id, { attributes: next, uniqueKey: varKey(v.parentId!, next.category, next.key), updatedAt: d.clock.now() }),
    () => keyTaken(next.key),
  );
  if (!updated) throw new TfeError('not-found', 'not found');
  return updated;
}
