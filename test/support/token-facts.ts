/** The token, owner and facts the token-validity table and the tokens pages' status both start from. */
import type { TokenRecord, UserRecord } from '../../src/store/types.ts';
import type { TokenFacts } from '../../src/tfe/token-validity.ts';

export const NOW = Date.parse('2026-01-10T12:00:00Z');
export const H = 3_600_000;

export const user = (o: Partial<UserRecord> = {}): UserRecord => ({
  id: 'user-1', username: 'alice', email: 'alice@example.com', isSiteAdmin: false, isSuspended: false,
  isServiceAccount: false, serviceAccountSyncedAt: NOW - H, memberOf: [], loginFindings: [], lastLoginAt: NOW - H, createdAt: NOW - 10 * H, ...o,
});

export const token = (o: Partial<TokenRecord> = {}): TokenRecord => ({
  id: 'at-1', kind: 'user', ownerId: 'user-1', description: null, secretHash: 'x', createdAt: NOW - H, lastUsedAt: null, expiredAt: null, createdById: 'user-1', singular: false, ...o,
});

/** A user token of a user who logged in an hour ago, with a web session live for another hour. */
export const facts = (o: Partial<TokenFacts> = {}): TokenFacts => ({
  token: token(), owner: user(), now: NOW, api: 'v2', webSessionLiveUntil: NOW + H, apiTokenTimeoutMs: 14 * 24 * H, loginUrl: 'http://gw/session', ...o,
});
