/**
 * The test IdP's users: the embedded trio (DESIGN 2b) plus users from the config, changed at
 * run time through the admin API. In memory only: the IdP is a fixture, the gateway keeps state.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FaultName, UserConfig } from '../config.ts';
import { ATTR } from '../saml/constants.ts';

export type UserAttributeValue = string | boolean | number | string[];

export interface IdpUser {
  username: string;
  email: string;
  displayName: string;
  /** null: pick-only (no password asked). */
  password: string | null;
  attributes: Record<string, UserAttributeValue>;
  faults: FaultName[];
  /** Faults for the next `remaining` responses only, on top of `faults` (admin API nextFaults). */
  nextFaults: NextFaults | null;
}

export interface NextFaults {
  faults: FaultName[];
  remaining: number;
}

/** What the admin API shows: everything but the password. */
export interface PublicUser {
  username: string;
  email: string;
  displayName: string;
  pickOnly: boolean;
  attributes: Record<string, UserAttributeValue>;
  faults: FaultName[];
  nextFaults: NextFaults | null;
}

export const DEFAULT_USERS: readonly UserConfig[] = [
  { username: 'alice', email: 'alice@example.com', password: 'alice', displayName: 'Alice (developer)', attributes: { [ATTR.memberOf]: ['developers'] }, faults: [] },
  {
    username: 'bob',
    email: 'bob@example.com',
    password: 'bob',
    displayName: 'Bob (service account)',
    attributes: { [ATTR.memberOf]: ['developers'], [ATTR.isServiceAccount]: true },
    faults: [],
  },
  {
    username: 'carol',
    email: 'carol@example.com',
    password: 'carol',
    displayName: 'Carol (owner, site admin)',
    attributes: { [ATTR.memberOf]: ['owners'], [ATTR.siteAdmin]: true },
    faults: [],
  },
];

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Hears every change, so the IdP store can write it through (src/idp/persistence.ts). */
export interface DirectoryObserver {
  changed(user: IdpUser): void;
  removed(username: string): void;
}

export class UserDirectory {
  private readonly users = new Map<string, IdpUser>();
  observer: DirectoryObserver | null = null;

  constructor(users: readonly UserConfig[]) {
    for (const u of users) this.upsert(u);
  }

  /** Config users replace embedded users of the same name. */
  upsert(u: UserConfig): IdpUser {
    const user: IdpUser = {
      username: u.username,
      email: u.email ?? `${u.username}@example.com`,
      displayName: u.displayName ?? u.username,
      password: u.password ?? null,
      // Null prototype: an attribute named __proto__ is just a name (SP-SECURITY ATTR11).
      attributes: Object.assign(Object.create(null) as Record<string, UserAttributeValue>, structuredClone(u.attributes ?? {})),
      faults: [...new Set(u.faults ?? [])],
      nextFaults: null,
    };
    this.users.set(user.username, user);
    this.observer?.changed(user);
    return user;
  }

  remove(username: string): boolean {
    const removed = this.users.delete(username);
    if (removed) this.observer?.removed(username);
    return removed;
  }

  /**
   * The faults for the response being issued now: the standing ones, the next-N ones (counting
   * this response down), and `extra` (a fault chosen on the login page for this one login).
   */
  faultsForNextResponse(username: string, extra: readonly FaultName[] = []): FaultName[] {
    const user = this.users.get(username);
    if (!user) return [...extra];
    const out = new Set<FaultName>(user.faults);
    if (user.nextFaults) {
      for (const f of user.nextFaults.faults) out.add(f);
      user.nextFaults = user.nextFaults.remaining > 1 ? { ...user.nextFaults, remaining: user.nextFaults.remaining - 1 } : null;
      this.observer?.changed(user);
    }
    for (const f of extra) out.add(f);
    return [...out];
  }

  get(username: string): IdpUser | undefined {
    return this.users.get(username);
  }

  list(): IdpUser[] {
    return [...this.users.values()];
  }

  /**
   * Password check in constant time over fixed-length digests. Pick-only users pass with any
   * password (DESIGN 2b); unknown users fail.
   */
  authenticate(username: string, password: string): IdpUser | null {
    const user = this.users.get(username);
    if (!user) return null;
    if (user.password === null) return user;
    return timingSafeEqual(digest(password), digest(user.password)) ? user : null;
  }

  /** `null` removes an attribute; other values replace it. `faults` replaces the fault list. */
  update(username: string, change: { attributes?: Record<string, UserAttributeValue | null>; faults?: FaultName[]; nextFaults?: NextFaults | null; displayName?: string; email?: string; password?: string | null }): IdpUser | undefined {
    const user = this.users.get(username);
    if (!user) return undefined;
    for (const [name, value] of Object.entries(change.attributes ?? {})) {
      if (value === null) delete user.attributes[name];
      else user.attributes[name] = value;
    }
    if (change.faults) user.faults = [...new Set(change.faults)];
    if (change.nextFaults !== undefined) user.nextFaults = change.nextFaults && change.nextFaults.remaining > 0 ? { faults: [...new Set(change.nextFaults.faults)], remaining: change.nextFaults.remaining } : null;
    if (change.displayName !== undefined) user.displayName = change.displayName;
    if (change.email !== undefined) user.email = change.email;
    if (change.password !== undefined) user.password = change.password;
    this.observer?.changed(user);
    return user;
  }
}

export function publicUser(u: IdpUser): PublicUser {
  return { username: u.username, email: u.email, displayName: u.displayName, pickOnly: u.password === null, attributes: u.attributes, faults: u.faults, nextFaults: u.nextFaults };
}

/** Embedded users first (when enabled), then the config's users (which win on a name clash). */
export function directoryFromConfig(o: { includeDefaultUsers: boolean; users: readonly UserConfig[] }): UserDirectory {
  return new UserDirectory([...(o.includeDefaultUsers ? DEFAULT_USERS : []), ...o.users]);
}
