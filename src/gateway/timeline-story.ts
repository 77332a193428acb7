/**
 * One list of what happened to a user's tokens, newest first, from every place it is recorded:
 * - logins with the IsServiceAccount flag read at each (F2's sync): the SAML debug log's accepted
 *   attempts, else the user record's last login (the only one kept with debug off);
 * - refused logins (admin view only: a refused response names no user we trust);
 * - web session ends: the Timeline ring (seen when the browser came back, or a sign-out), plus
 *   sessions that ended while nobody looked, from the session store (their record still holds
 *   the login; kept a day after the end, session-store.ts);
 * - token refusals with the API's reason: the Timeline ring.
 */
import type { UserRecord } from '../store/types.ts';
import type { GatewayContext } from './context.ts';
import type { SessionEndedEvent, TokenRefusedEvent } from './timeline.ts';
import { sessionEndReason, type GatewaySessionData } from './web-session.ts';

export interface LoginEntry {
  kind: 'login';
  at: number;
  userId: string;
  /** The flag as read at this login (null: the response carried no decision). */
  flagged: boolean | null;
  /** The flag differs from the previous login shown. */
  flagChanged: boolean;
  attemptId: number | null;
}

export interface LoginRefusedEntry {
  kind: 'login-refused';
  at: number;
  code: string;
  nameId: string | null;
  attemptId: number;
}

export type StoryEntry = LoginEntry | LoginRefusedEntry | SessionEndedEvent | TokenRefusedEvent;

export interface Story {
  entries: StoryEntry[];
  /** Logins come from the SAML debug log only while debug is on; otherwise just the last one. */
  everyLogin: boolean;
}

/** `users`: whose story (one user for /app/timeline, every user for the admin view). */
export async function storyOf(ctx: GatewayContext, users: readonly UserRecord[], o: { everyone: boolean; debugOn: boolean }): Promise<Story> {
  const ids = new Set(users.map((u) => u.id));
  const now = ctx.clock.now();
  const entries: StoryEntry[] = [];
  const logins: LoginEntry[] = [];

  for (const a of ctx.loginAttempts.latest()) {
    if (a.outcome === 'accepted' && a.userId && ids.has(a.userId)) logins.push({ kind: 'login', at: a.at, userId: a.userId, flagged: a.serviceAccount?.flagged ?? null, flagChanged: false, attemptId: a.id });
    else if (a.outcome === 'refused' && o.everyone) entries.push({ kind: 'login-refused', at: a.at, code: a.code ?? 'refused', nameId: a.nameId, attemptId: a.id });
  }
  for (const u of users) {
    // The last login is on the record even when the debug log did not keep it.
    if (!logins.some((l) => l.userId === u.id && l.at >= u.lastLoginAt - 1000)) {
      logins.push({ kind: 'login', at: u.lastLoginAt, userId: u.id, flagged: u.isServiceAccount, flagChanged: false, attemptId: null });
    }
  }
  logins.sort((a, b) => a.at - b.at);
  const previous = new Map<string, boolean | null>();
  for (const l of logins) {
    const before = previous.get(l.userId);
    l.flagChanged = before !== undefined && before !== null && l.flagged !== null && before !== l.flagged;
    previous.set(l.userId, l.flagged);
  }
  entries.push(...logins);

  entries.push(...ctx.timeline.latest((e) => (e.userId === null ? o.everyone : ids.has(e.userId))));

  for (const u of users) {
    for (const record of await ctx.store.sessions.listByUser(u.id)) {
      if (record.userId === null || record.expiresAt > now) continue;
      let data: GatewaySessionData;
      try {
        data = JSON.parse(record.data) as GatewaySessionData;
      } catch {
        continue;
      }
      if (!data.login) continue;
      entries.push({ kind: 'session-ended', at: record.expiresAt, userId: u.id, reason: sessionEndReason(data.login, ctx.policy, record.expiresAt) ?? 'idle-timeout' });
    }
  }

  entries.sort((a, b) => b.at - a.at);
  return { entries, everyLogin: o.debugOn };
}
