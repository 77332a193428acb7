/**
 * Agent pools and their tokens (TFE API "Agent Pools", "Agent Tokens"). No agent ever connects
 * to samlgate, so `agent-count` is always 0 and a token authenticates nothing here; the token is
 * still a credential of the real product, so its secret is shown once and only its hash is kept,
 * minted by the same helper as every API token (TfeDeps.mintSecret, T5).
 */
import { newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';

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
