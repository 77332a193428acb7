/**
 * The storage interface. Handlers and domain code talk only to this; the in-memory store
 * implements it now, SQLite/Redis/PostgreSQL later, without touching a handler.
 *
 * Every method is async so a networked store fits the same shape. Records are plain JSON-able
 * objects (epoch-millisecond numbers for times) so any backend can hold them as rows or blobs.
 */

export interface UserRecord {
  id: string; // TFE shape: user-<16 chars>
  username: string;
  email: string;
  isSiteAdmin: boolean;
  isSuspended: boolean;
  /** Rule F2: the flag as read from the assertion at the user's last login. */
  isServiceAccount: boolean;
  /** When isServiceAccount was last synced from an assertion (= last login). */
  serviceAccountSyncedAt: number;
  /** MemberOf values at the last login (team names); team management arrives with the TFE model. */
  memberOf: string[];
  /** Rule S2's reference point for sso-api-token-session-timeout. */
  lastLoginAt: number;
  createdAt: number;
}

export type TokenKind = 'user' | 'team' | 'organization';

export interface TokenRecord {
  id: string; // at-<16 chars>
  kind: TokenKind;
  /** user id, team id or organization name, by kind. */
  ownerId: string;
  description: string | null;
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  secretHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Optional end of life (TFE `expired-at`). */
  expiredAt: number | null;
  createdById: string | null;
}

/** A web (browser) session as the gateway keeps it; express-session's data lives in `data`. */
export interface SessionRecord {
  sid: string;
  /** null while the browser is still logging in (only a pending AuthnRequest is held). */
  userId: string | null;
  /** When the store may forget this record regardless of its contents. */
  expiresAt: number;
  data: string;
}

export interface UserStore {
  get(id: string): Promise<UserRecord | undefined>;
  getByEmail(email: string): Promise<UserRecord | undefined>;
  getByUsername(username: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  /** Inserts or replaces by id. Username and email stay unique: a clash throws StoreConflictError. */
  put(user: UserRecord): Promise<void>;
}

export interface TokenStore {
  create(token: TokenRecord): Promise<void>;
  get(id: string): Promise<TokenRecord | undefined>;
  getBySecretHash(secretHash: string): Promise<TokenRecord | undefined>;
  listByOwner(kind: TokenKind, ownerId: string): Promise<TokenRecord[]>;
  delete(id: string): Promise<boolean>;
  touch(id: string, lastUsedAt: number): Promise<void>;
  count(): Promise<number>;
}

export interface SessionStore {
  get(sid: string): Promise<SessionRecord | undefined>;
  set(record: SessionRecord): Promise<void>;
  destroy(sid: string): Promise<void>;
  listByUser(userId: string): Promise<SessionRecord[]>;
  /** Ends every web session of a user (suspension, admin action). Returns how many ended. */
  destroyByUser(userId: string): Promise<number>;
  /** Forgets records whose expiresAt is before `before`. Returns how many were removed. */
  purgeExpired(before: number): Promise<number>;
}

export interface ReplayCache {
  /**
   * Records a one-time identifier (assertion ID, AuthnRequest ID) until `expiresAt`.
   * Returns false when it was already recorded and not yet expired: the caller must refuse.
   */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
}

export interface Store {
  readonly kind: string;
  users: UserStore;
  tokens: TokenStore;
  sessions: SessionStore;
  replay: ReplayCache;
  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  readonly code = 'ERR_STORE_CONFLICT';
}
