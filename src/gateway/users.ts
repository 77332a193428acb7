/**
 * User records as the gateway keeps them: created and synced at SAML login (rules S5, F2),
 * suspended by admins (S4). No HTTP here; handlers call these functions.
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { reject } from '../saml/rejection.ts';
import type { Store, UserRecord } from '../store/types.ts';
import type { KeyedMutex } from '../util/keyed-mutex.ts';

export interface LoginFacts {
  /** NameID: TFE uses it as the email address. */
  nameId: string;
  username: string | null;
  memberOf: string[];
  siteAdmin: boolean;
  isServiceAccount: boolean;
}

/** TFE usernames: letters, digits, `-` and `_`; anything else becomes `_` (rule S5). */
export function sanitizeUsername(raw: string): string {
  const cleaned = raw.trim().replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === '' ? 'user' : cleaned.slice(0, 64);
}

export function defaultUsername(email: string): string {
  const at = email.lastIndexOf('@');
  return sanitizeUsername(at > 0 ? email.slice(0, at) : email);
}

export interface UserDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  userLocks: KeyedMutex;
}

/**
 * Creates or updates the user from a verified assertion. The IsServiceAccount flag is read here
 * and only here (F2): changes at the IdP take effect at this moment, in either direction.
 * Throws SamlRejection E_USER for a suspended user (S4) or a username owned by someone else.
 */
export async function syncUserAtLogin(deps: UserDeps, facts: LoginFacts): Promise<UserRecord> {
  const email = facts.nameId.trim();
  return deps.userLocks.run(`user:${email.toLowerCase()}`, async () => {
    const now = deps.clock.now();
    const existing = await deps.store.users.getByEmail(email);
    if (existing?.isSuspended) {
      reject('E_USER', `user ${existing.username} (${email}) is suspended; a site admin can unsuspend them with POST /api/v2/admin/users/${existing.id}/actions/unsuspend`);
    }
    const username = facts.username ? sanitizeUsername(facts.username) : defaultUsername(email);
    const clash = await deps.store.users.getByUsername(username);
    if (clash && clash.id !== existing?.id) {
      reject('E_USER', `username ${username} (from ${facts.username ? 'the Username attribute' : 'the NameID'}) already belongs to ${clash.email}, but this assertion is for ${email}: give the users distinct Username attributes at the IdP`);
    }
    const user: UserRecord = {
      id: existing?.id ?? `user-${deps.ids.random(16)}`,
      createdAt: existing?.createdAt ?? now,
      isSuspended: false,
      email,
      username,
      isSiteAdmin: facts.siteAdmin,
      isServiceAccount: facts.isServiceAccount,
      serviceAccountSyncedAt: now,
      memberOf: facts.memberOf,
      lastLoginAt: now,
    };
    await deps.store.users.put(user);
    return user;
  });
}

export type SuspendResult = { ok: true; user: UserRecord } | { ok: false; error: 'not-found' | 'already' };

/** S4: suspension ends every web session at once; tokens are kept (unsuspending restores them). */
export async function setSuspended(deps: UserDeps, userId: string, suspended: boolean): Promise<SuspendResult> {
  const user = await deps.store.users.get(userId);
  if (!user) return { ok: false, error: 'not-found' };
  return deps.userLocks.run(`user:${user.email.toLowerCase()}`, async () => {
    const current = (await deps.store.users.get(userId))!;
    if (current.isSuspended === suspended) return { ok: false, error: 'already' } as const;
    const updated = { ...current, isSuspended: suspended };
    await deps.store.users.put(updated);
    if (suspended) await deps.store.sessions.destroyByUser(userId);
    return { ok: true, user: updated } as const;
  });
}
