/**
 * Agent pools and their tokens (TFE API "Agent Pools", "Agent Tokens"). No agent ever connects
 * to samlgate, so `agent-count` is always 0 and a token authenticates nothing here; the token is
 * still a credential of the real product, so its secret is shown once and only its hash is kept,
 * minted by the same helper as every API token (TfeDeps.mintSecret, T5).
 */
import { StoreConflictError, type OrganizationRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const AGENT_POOL_TYPE = 'agent-pools';
export const AGENT_TOKEN_TYPE = 'agent-tokens';

export interface AgentPoolAttributes {
  name: string;
  organizationScoped: boolean;
  /** Workspace ids; readers drop ids that no longer resolve. */
  allowedWorkspaceIds: string[];
}

export interface AgentTokenAttributes {
  description: string;
  secretHash: string;
  lastUsedAt: number | null;
  createdById: string | null;
}

export function validateAgentPoolName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new TfeError('invalid', "Name can't be blank", 'name');
  if (name.length > 255) throw new TfeError('invalid', 'Name is at most 255 characters', 'name');
  return name.trim();
}

export const agentPoolUniqueKey = (organizationId: string, name: string) => `${organizationId}/${name.toLowerCase()}`;
export const agentPoolNameTaken = () => new TfeError('taken', 'Name has already been taken', 'name');

export function validateAgentTokenDescription(description: unknown): string {
  if (typeof description !== 'string' || description.trim() === '') throw new TfeError('invalid', "Description can't be blank", 'description');
  if (description.length > 255) throw new TfeError('invalid', 'Description is at most 255 characters', 'description');
  return description.trim();
}

/** A new agent token: the record to store (hash only) and the secret to show once. */
export function mintAgentToken(deps: Pick<TfeDeps, 'ids' | 'mintSecret'>, description: string, createdById: string | null): { id: string; attributes: AgentTokenAttributes; secret: string } {
  const { secret, hash } = deps.mintSecret();
  return { id: newId(deps.ids, 'at'), secret, attributes: { description, secretHash: hash, lastUsedAt: null, createdById } };
}

export type AgentPool = ResourceRecord<AgentPoolAttributes>;
export type AgentToken = ResourceRecord<AgentTokenAttributes>;

/** The allowed workspaces, each checked to be a workspace of this organization (duplicates dropped). */
async function allowedWorkspaces(d: Pick<TfeDeps, 'store'>, org: OrganizationRecord, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    const w = await d.store.workspaces.get(id);
    if (!w || w.organizationId !== org.id) throw new TfeError('invalid', `allowed-workspaces: workspace ${id} was not found in organization ${org.name}`, 'allowed-workspaces');
  }
  return unique;
}

/** Names are unique per organization, case-insensitively: the store's unique key decides, atomically. */
async function nameUnique<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw err instanceof StoreConflictError ? agentPoolNameTaken() : err;
  }
}

export interface AgentPoolInput {
  name?: unknown;
  organizationScoped?: boolean;
  allowedWorkspaceIds?: string[];
}

export async function createAgentPool(d: TfeDeps, org: OrganizationRecord, input: AgentPoolInput): Promise<AgentPool> {
  const name = validateAgentPoolName(input.name);
  const attributes: AgentPoolAttributes = { name, organizationScoped: input.organizationScoped ?? true, allowedWorkspaceIds: await allowedWorkspaces(d, org, input.allowedWorkspaceIds ?? []) };
  const record = newResource({ id: newId(d.ids, 'apool'), type: AGENT_POOL_TYPE, organizationId: org.id, uniqueKey: agentPoolUniqueKey(org.id, name), at: d.clock.now(), attributes });
  await nameUnique(() => d.store.resources.create(record));
  return record;
}

/** Only what is sent changes; `allowedWorkspaceIds` replaces the list whole. */
export async function updateAgentPool(d: TfeDeps, pool: AgentPool, org: OrganizationRecord, input: AgentPoolInput): Promise<AgentPool> {
  const next: AgentPoolAttributes = { ...pool.attributes };
  if (input.name !== undefined) next.name = validateAgentPoolName(input.name);
  if (input.organizationScoped !== undefined) next.organizationScoped = input.organizationScoped;
  if (input.allowedWorkspaceIds) next.allowedWorkspaceIds = await allowedWorkspaces(d, org, input.allowedWorkspaceIds);
  const updated = await nameUnique(() => d.store.resources.update<AgentPoolAttributes>(AGENT_POOL_TYPE, pool.id, { attributes: next, uniqueKey: agentPoolUniqueKey(org.id, next.name), updatedAt: d.clock.now() }));
  if (!updated) throw new TfeError('not-found', 'agent pool not found');
  return updated;
}

/** Its tokens have parentId = the pool and die with it. */
export async function deleteAgentPool(d: Pick<TfeDeps, 'store'>, pool: AgentPool): Promise<boolean> {
  return d.store.resources.delete(AGENT_POOL_TYPE, pool.id);
}

/** A new token of the pool: the stored record (hash only) and the secret to show once. */
export async function createAgentToken(d: TfeDeps, pool: AgentPool, description: unknown, createdById: string | null): Promise<{ token: AgentToken; secret: string }> {
  const minted = mintAgentToken(d, validateAgentTokenDescription(description), createdById);
  const token = newResource({ id: minted.id, type: AGENT_TOKEN_TYPE, organizationId: pool.organizationId, parentId: pool.id, at: d.clock.now(), attributes: minted.attributes });
  await d.store.resources.create(token);
  return { token, secret: minted.secret };
}

export async function deleteAgentToken(d: Pick<TfeDeps, 'store'>, token: AgentToken): Promise<boolean> {
  return d.store.resources.delete(AGENT_TOKEN_TYPE, token.id);
}
