/**
 * User records as the gateway keeps them: created and synced at SAML login (rules S5, F2),
 * suspended by admins (S4). No HTTP and no SAML codes here: a refused login is a LoginRefused,
 * which the ACS maps to its rejection code (src/sp/acs.ts, loginRefusalAsRejection).
 */
import type { Clock } from '../clock.ts';
import { SamlgateError } from '../errors.ts';
import type { IdGenerator } from '../ids.ts';
import type { LoginFinding, Store, SuspendResult, UserRecord } from '../store/types.ts';
import type { KeyedMutex } from '../util/keyed-mutex.ts';

/** Why a verified assertion may still not log its user in: suspended (S4), or a username owned by another email (S5). */
export type LoginRefusalReason = 'user-suspended' | 'username-taken';

/** The login sync's domain error; `message` is the operator-facing detail. */
export class LoginRefused extends SamlgateError {
  readonly code = 'ERR_LOGIN_REFUSED';
  /** Runtime, like every refused login (the ACS answers it as E_USER). */
  readonly kind = 'runtime';
  constructor(
    readonly reason: LoginRefusalReason,
    message: string,
  ) {
    super(message);
  }
}

export interface LoginFacts {
  /** NameID: TFE uses it as the email address. */
  nameId: string;
  username: string | null;
  memberOf: string[];
  siteAdmin: boolean;
  isServiceAccount: boolean;
  /** Near-misses worth showing the user (e.g. the IdP sent `isServiceAccount`). */
  loginFindings?: LoginFinding[];
  /** The id to give the user if this login creates them (an invitation's reserved id); random otherwise. */
  newUserId?: string;
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
 * The store does it in one atomic step (a suspension committed meanwhile wins); the per-user lock
 * only saves concurrent logins of one user from racing to create it twice.
 * Throws LoginRefused for a suspended user (S4) or a username owned by someone else.
 */
export async function syncUserAtLogin(deps: UserDeps, facts: LoginFacts): Promise<UserRecord> {
  const email = facts.nameId.trim();
  return deps.userLocks.run(`user:${email.toLowerCase()}`, async () => {
    const username = facts.username ? sanitizeUsername(facts.username) : defaultUsername(email);
    const result = await deps.store.users.recordLogin({
      email,
      username,
      isSiteAdmin: facts.siteAdmin,
      isServiceAccount: facts.isServiceAccount,
      memberOf: facts.memberOf,
      loginFindings: facts.loginFindings ?? [],
      now: deps.clock.now(),
      newUserId: facts.newUserId ?? `user-${deps.ids.random(16)}`,
    });
    if (result.ok) return result.user;
    if (result.reason === 'suspended') {
      throw new LoginRefused('user-suspended', `user ${result.user.username} (${email}) is suspended; a site admin can unsuspend them with POST /api/v2/admin/users/${result.user.id}/actions/unsuspend`);
    }
    throw new LoginRefused('username-taken', `username ${username} (from ${facts.username ? 'the Username attribute' : 'the NameID'}) already belongs to ${result.owner.email}, but this assertion is for ${email}: give the users distinct Username attributes at the IdP`);
  });
}

export type SuspendOutcome = SuspendResult | { ok: false; reason: 'last-site-admin' };

/**
 * S4: suspension ends every web session at once; tokens are kept (unsuspending restores them).
 * The last active site admin is never suspended (only site admins suspend, so that is always
 * someone suspending themselves): nobody would be left to unsuspend anyone.
 */
export async function setSuspended(deps: Pick<UserDeps, 'store'>, userId: string, suspended: boolean): Promise<SuspendOutcome> {
  if (suspended) {
    const target = await deps.store.users.get(userId);
    if (target?.isSiteAdmin && !target.isSuspended && (await deps.store.users.count({ siteAdmin: true, suspended: false })) <= 1) return { ok: false, reason: 'last-site-admin' };
  }
  return deps.store.users.setSuspended(userId, suspended);
}

/**
 * PATCH /account/update with the account's own email: the email of a SAML user is the IdP's
 * NameID, so "confirming" it is the only email change there is, and it drops the pending one.
 */
export async function confirmOwnEmail(deps: Pick<UserDeps, 'store'>, user: UserRecord): Promise<UserRecord> {
  if ((user.unconfirmedEmail ?? null) === null) return user;
  return (await deps.store.users.update(user.id, { unconfirmedEmail: null })) ?? user;
}
