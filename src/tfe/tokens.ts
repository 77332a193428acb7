/**
 * Every token kind's one create path (DESIGN T1, T5; TFE's user, team and organization token
 * APIs): one record shape, one secret minter (deps.mintSecret, src/tfe/token-secrets.ts), one
 * expiry check. Whether a stored token may be used is src/tfe/token-validity.ts.
 * - User tokens: several per user; a user mints only their own (the front doors check who may
 *   manage them, T7), so the minting invariant below holds by construction.
 * - T1: none by default; one organization token and one legacy token per team: generating again
 *   replaces it in one store step (replaceSingular), so the old secret is refused at once.
 * - Described team tokens (`/teams/:id/authentication-tokens`, TFE >= 1.1): several per team,
 *   descriptions unique within the team.
 * - T5: the secret exists only in the return value of these functions; the store keeps its hash.
 * - No credential stronger than its minter: every function that creates or regenerates a token
 *   takes the minter and refuses (not-found, T7) when the new token would hold a right the
 *   minter lacks. The check lives here, not in the front doors, so a new route or page cannot
 *   forget it.
 */
import type { OrganizationRecord, TeamRecord, TokenRecord } from '../store/types.ts';
import { factsFor, withScene } from './access.ts';
import { exceedingRights, organizationTokenPrincipal, teamTokenPrincipal } from './authorize.ts';
import { newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';
import type { Principal } from './principal.ts';

export interface NewToken {
  token: TokenRecord;
  /** Shown exactly once (T5). */
  secret: string;
}

export interface TokenInput {
  description?: string | null;
  expiredAt?: number | null;
  createdById: string | null;
}

function checkExpiry(deps: TfeDeps, expiredAt: number | null | undefined) {
  // A token born expired would be shown once and never work.
  if (expiredAt != null && expiredAt <= deps.clock.now()) {
    throw new TfeError('invalid', `expired-at must be in the future (now is ${new Date(deps.clock.now()).toISOString()})`, 'expired-at');
  }
}

function record(deps: TfeDeps, kind: TokenRecord['kind'], ownerId: string, input: TokenInput, singular: boolean): NewToken {
  const { secret, hash } = deps.mintSecret();
  return {
    secret,
    token: {
      id: newId(deps.ids, 'at'),
      kind,
      ownerId,
      description: input.description ?? null,
      secretHash: hash,
      createdAt: deps.clock.now(),
      lastUsedAt: null,
      expiredAt: input.expiredAt ?? null,
      createdById: input.createdById,
      singular,
    },
  };
}

/** The minting invariant: refuse when a token for `minted` would hold a right `minter` lacks. */
async function assertNotStrongerThanMinter(deps: TfeDeps, minter: Principal, organization: OrganizationRecord, minted: Principal): Promise<void> {
  const facts = await withScene(deps, await factsFor(deps, minter, organization));
  const excess = exceedingRights(facts, minted, facts.scene!);
  if (excess.length > 0) {
    throw new TfeError('not-found', `refused: the new token would hold ${excess.length} right(s) its minter lacks (${excess.slice(0, 3).join(', ')}${excess.length > 3 ? ', ...' : ''})`);
  }
}

async function organizationOf(deps: TfeDeps, team: TeamRecord): Promise<OrganizationRecord> {
  const org = await deps.store.organizations.get(team.organizationId);
  if (!org) throw new TfeError('not-found', `team ${team.id} has no organization`);
  return org;
}

/** A user API token of `userId`, minted by that user (TFE: POST /users/:id/authentication-tokens, the token page, terraform login). */
export async function createUserToken(deps: TfeDeps, userId: string, input: { description: string | null; expiredAt: number | null }): Promise<NewToken> {
  checkExpiry(deps, input.expiredAt);
  const created = record(deps, 'user', userId, { ...input, createdById: userId }, false);
  await deps.store.tokens.create(created.token);
  return created;
}

/** T1: the team's one legacy token, created or regenerated. `replaced`: the id that died. */
export async function generateTeamToken(deps: TfeDeps, minter: Principal, team: TeamRecord, input: TokenInput): Promise<NewToken & { replaced: string | null }> {
  checkExpiry(deps, input.expiredAt);
  const created = record(deps, 'team', team.id, input, true);
  const org = await organizationOf(deps, team);
  await assertNotStrongerThanMinter(deps, minter, org, teamTokenPrincipal(team, org, created.token));
  const replaced = await deps.store.tokens.replaceSingular(created.token);
  return { ...created, replaced };
}

/** A described team token (several per team, unique descriptions). */
export async function createDescribedTeamToken(deps: TfeDeps, minter: Principal, team: TeamRecord, input: TokenInput & { description: string }): Promise<NewToken> {
  checkExpiry(deps, input.expiredAt);
  const org = await organizationOf(deps, team);
  await assertNotStrongerThanMinter(deps, minter, org, teamTokenPrincipal(team, org));
  if (await deps.store.tokens.descriptionTaken('team', team.id, input.description)) {
    throw new TfeError('taken', `team ${team.name} already has a token described "${input.description}": descriptions are unique per team`, 'description');
  }
  const created = record(deps, 'team', team.id, input, false);
  await deps.store.tokens.create(created.token);
  return created;
}

/** T1: the organization's one token, created or regenerated. */
export async function generateOrganizationToken(deps: TfeDeps, minter: Principal, org: OrganizationRecord, input: TokenInput): Promise<NewToken & { replaced: string | null }> {
  checkExpiry(deps, input.expiredAt);
  const created = record(deps, 'organization', org.id, input, true);
  await assertNotStrongerThanMinter(deps, minter, org, organizationTokenPrincipal(org, created.token));
  const replaced = await deps.store.tokens.replaceSingular(created.token);
  return { ...created, replaced };
}

/** Deletes the singular token of a team or organization; false when there is none (TFE: 404). */
export async function deleteSingularToken(deps: TfeDeps, kind: 'team' | 'organization', ownerId: string): Promise<boolean> {
  const existing = await deps.store.tokens.getSingular(kind, ownerId);
  return existing ? revokeToken(deps, existing.id) : false;
}

/**
 * Revoking is deleting the record: its hash stops resolving at once, so the very next request with
 * the secret is a 401 (T1), and nothing keeps a hash that can no longer be used. The API, the
 * token page and terraform login's code-reuse defence all revoke through here.
 */
export async function revokeToken(deps: Pick<TfeDeps, 'store'>, tokenId: string): Promise<boolean> {
  return deps.store.tokens.delete(tokenId);
}

/** last-used-at, as TFE shows it (the token check coalesces calls to one a minute per token). */
export async function recordTokenUse(deps: Pick<TfeDeps, 'store'>, tokenId: string, at: number): Promise<void> {
  await deps.store.tokens.touch(tokenId, at);
}
