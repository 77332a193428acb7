/**
 * Resolved tokens (the rows of store.tokens.resolve: token, owner, live session end) kept between
 * requests, so a token used again skips the SQLite lookup (bench/README.md, issue 15). Only the
 * rows are kept, never the decision: decideTokenValidity runs on every request with the current
 * clock, so expiry and the S2 session rule are judged as without the cache.
 *
 * Staleness is ruled out by the store's write generation (Store.authDataGeneration): any write to
 * what resolve() reads moves it, and an entry is used only under the generation it was read
 * under. So a revocation, a suspension, an ended session or a re-login with a changed flag takes
 * effect on the very next request. Entries are frozen because they are shared by requests: a
 * handler changing its principal's records would otherwise change the next caller's.
 */
import type { OrganizationRecord, ResolvedToken, TeamRecord, TokenRecord, UserRecord } from '../store/types.ts';

interface Entry {
  readonly token: TokenRecord;
  readonly user: UserRecord | undefined;
  readonly team: TeamRecord | undefined;
  readonly organization: OrganizationRecord | undefined;
  /** The clock reading the row was resolved at, and the session end it saw then. */
  readonly at: number;
  readonly liveUntil: number | null;
}

/** Automation uses a handful of tokens; the bound keeps a sweep of many tokens from growing the heap. */
export const RESOLVED_TOKEN_CACHE_SIZE = 1024;

export class ResolvedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private generation = Number.NaN;

  constructor(private readonly max = RESOLVED_TOKEN_CACHE_SIZE) {}

  /** The rows for `hash` if they were read under `generation` at or before `now`. */
  get(hash: string, generation: number, now: number): ResolvedToken | undefined {
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
      return undefined;
    }
    const e = this.entries.get(hash);
    // A clock set back (the simulated clock) could revive sessions the row judged ended: read again.
    if (e === undefined || now < e.at) return undefined;
    return toResolved(e, now);
  }

  /**
   * `generation` must be read BEFORE the store was asked: a write landing in between then leaves
   * an entry that the next get() (under the new generation) throws away.
   */
  set(hash: string, generation: number, now: number, resolved: ResolvedToken): ResolvedToken {
    const e: Entry = Object.freeze({
      token: deepFreeze(resolved.token),
      user: resolved.user && deepFreeze(resolved.user),
      team: resolved.team && deepFreeze(resolved.team),
      organization: resolved.organization && deepFreeze(resolved.organization),
      at: now,
      liveUntil: resolved.webSessionLiveUntil,
    });
    if (generation === this.generation) {
      if (this.entries.size >= this.max && !this.entries.has(hash)) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(hash, e);
    }
    return toResolved(e, now);
  }
}

/**
 * The session end as resolve() would compute it at `now` (>= e.at, same sessions): the latest
 * live session at e.at is still the latest at `now` if it has not expired, and none is live otherwise.
 */
function toResolved(e: Entry, now: number): ResolvedToken {
  const out: ResolvedToken = { token: e.token, webSessionLiveUntil: e.liveUntil !== null && e.liveUntil > now ? e.liveUntil : null };
  if (e.user) out.user = e.user;
  if (e.team) out.team = e.team;
  if (e.organization) out.organization = e.organization;
  return out;
}

/**
 * Requests share a cached entry, so nothing reachable from it may change: the records are plain
 * data from the store (objects, arrays, strings, numbers; no cycles), frozen all the way down
 * (a team's organizationAccess is what authorize() reads).
 */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
