/**
 * "Will this token work?" for the token pages: works now or not, until when, since when and
 * why. It never decides validity itself: it asks decideTokenValidity() (src/tfe/token-validity.ts: rules
 * S2-S4, T4 and T5) with the facts the API would see, at now and at the instants where a fact
 * changes (the token's own expiry, the end of the owner's web session, the SSO API token
 * timeout). Each rule is a "now >= instant" threshold, so the first of those instants the policy
 * refuses is when a working token stops; the first after which it refuses without a break is
 * when a refused one started failing.
 */
import type { TokenRecord, UserRecord } from '../store/types.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { decideTokenValidity, needsWebSession, type TokenDenial, type TokenFacts } from '../tfe/token-validity.ts';

export type TokenStatus =
  | {
      works: true;
      /** When it stops working unless something changes (null: no limit in sight). */
      until: number | null;
      /** The refusal that will come at `until`. */
      endsBy: TokenDenial | null;
      /** Why it is not tied to an SSO session, when it is not. */
      exempt: 'service-account' | 'team' | 'organization' | null;
    }
  | {
      works: false;
      /** When the refusal began, when the facts tell (a suspension carries no date). */
      since: number | null;
      reason: TokenDenial;
      /** The 401 detail the API sends for this token now. */
      detail: string;
    };

/** The status under fixed facts (pure; tested in test/gateway/token-status.test.ts). */
export function tokenStatus(facts: TokenFacts): TokenStatus {
  const { token, owner, now } = facts;
  const at = (t: number) => decideTokenValidity({ ...facts, now: t });
  const instants = [token.expiredAt, needsWebSession(token, owner) ? facts.webSessionLiveUntil : null, owner && token.kind === 'user' ? owner.lastLoginAt + facts.apiTokenTimeoutMs : null]
    .filter((t): t is number => t !== null && Number.isFinite(t))
    .sort((a, b) => a - b);
  const decision = at(now);
  if (decision.ok) {
    const exempt = token.kind !== 'user' ? token.kind : owner?.isServiceAccount ? 'service-account' : null;
    for (const t of instants) {
      if (t <= now) continue;
      const later = at(t);
      if (!later.ok) return { works: true, until: t, endsBy: later.reason, exempt };
    }
    return { works: true, until: null, endsBy: null, exempt };
  }
  let since: number | null = null;
  for (const t of instants) {
    if (t > now) break;
    if (!at(t).ok && at(t - 1).ok) since = t;
  }
  return { works: false, since, reason: decision.reason, detail: decision.detail };
}

/**
 * Statuses of one user's own tokens, as the API would decide them right after this page: the web
 * session that is loading the page counts with the end this request gives it (the store's copy is
 * written when the response is sent).
 */
export async function userTokenStatuses(ctx: GatewayContext, owner: UserRecord, tokens: readonly TokenRecord[], currentSessionLiveUntil: number | null): Promise<Map<string, TokenStatus>> {
  const now = ctx.clock.now();
  const stored = owner.isServiceAccount ? null : await ctx.store.sessions.liveUntil(owner.id, now);
  const live = stored === null ? currentSessionLiveUntil : currentSessionLiveUntil === null ? stored : Math.max(stored, currentSessionLiveUntil);
  const out = new Map<string, TokenStatus>();
  for (const token of tokens) out.set(token.id, tokenStatus(factsFor(ctx, token, owner, live, now)));
  return out;
}

/** A team or organization token: no owner, no session (T4). */
export function singularTokenStatus(ctx: GatewayContext, token: TokenRecord): TokenStatus {
  return tokenStatus(factsFor(ctx, token, undefined, null, ctx.clock.now()));
}

function factsFor(ctx: GatewayContext, token: TokenRecord, owner: UserRecord | undefined, webSessionLiveUntil: number | null, now: number): TokenFacts {
  return { token, owner, now, api: 'v2', webSessionLiveUntil, apiTokenTimeoutMs: ctx.samlSettings.apiTokenTimeoutMs(), loginUrl: ctx.loginUrl };
}
