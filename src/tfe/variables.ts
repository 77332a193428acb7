/**
 * Workspace variables (TFE API "Workspace Variables"): one key per category in a workspace, a
 * new `version-id` on every write, and a sensitive variable stays sensitive (TFE: its value is
 * write-only from then on, so un-marking it would publish a secret that was promised hidden).
 */
import { StoreConflictError, type VariablePatch, type VariableRecord } from '../store/types.ts';
import type { DomainDeps } from './workspaces.ts';
import { TfeError } from './errors.ts';

export type VariableInput = Pick<VariableRecord, 'key' | 'category'> & Partial<Pick<VariableRecord, 'description' | 'hcl' | 'sensitive'>> & { value?: string | null };

const keyTaken = (key: string) => new TfeError('taken', `Key has already been taken: a variable ${key} of this category exists in the workspace`, 'key');

export async function createVariable(d: DomainDeps, workspaceId: string, input: VariableInput): Promise<VariableRecord> {
  const record: VariableRecord = {
    id: `var-${d.ids.random(16)}`,
    workspaceId,
    key: input.key,
    value: input.value ?? '',
    description: input.description ?? null,
    category: input.category,
    hcl: input.hcl ?? false,
    sensitive: input.sensitive ?? false,
    createdAt: d.clock.now(),
    versionId: d.ids.random(40),
  };
  try {
    await d.store.variables.create(record);
  } catch (err) {
    if (err instanceof StoreConflictError) throw keyTaken(record.key);
    throw err;
  }
  return record;
}

/** `input` holds only the attributes sent; a `value` of null is the empty string, as on create. */
export async function updateVariable(d: DomainDeps, variable: VariableRecord, input: Partial<VariableInput>): Promise<VariableRecord> {
  if (variable.sensitive && input.sensitive === false) {
    throw new TfeError('invalid', 'a sensitive variable cannot be made non-sensitive; delete it and create it again', 'sensitive');
  }
  const patch: VariablePatch = {};
  if (input.key !== undefined) patch.key = input.key;
  if (input.value !== undefined) patch.value = input.value ?? '';
  if (input.description !== undefined) patch.description = input.description;
  if (input.category !== undefined) patch.category = input.category;
  if (input.hcl !== undefined) patch.hcl = input.hcl;
  if (input.sensitive !== undefined) patch.sensitive = input.sensitive;
  if (Object.keys(patch).length) patch.versionId = d.ids.random(40);
  let updated: VariableRecord | undefined;
  try {
    updated = await d.store.variables.update(variable.id, patch);
  } catch (err) {
    if (err instanceof StoreConflictError) throw keyTaken(patch.key ?? variable.key);
    throw err;
  }
  if (!updated) throw new TfeError('not-found', 'variable not found');
  return updated;
}

export async function deleteVariable(d: Pick<DomainDeps, 'store'>, id: string): Promise<boolean> {
  return d.store.variables.delete(id);
}
