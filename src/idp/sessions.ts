/**
 * The IdP's own browser sessions (cookie `samlgate_idp`, DESIGN 2b) and the AuthnRequests
 * waiting for a login. Both live in bounded LRU maps with a TTL on the injected Clock
 * (src/util/lru.ts), so a ManualClock can expire them and a flood of logins costs O(1) each.
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { LruTtlMap } from '../util/lru.ts';
import type { IdpServiceProvider } from './service-providers.ts';

export const IDP_SESSION_COOKIE = 'samlgate_idp';

/** What an SP was told about this session: enough to send it a LogoutRequest (SAML core 3.7.1). */
export interface SessionParticipant {
  entityId: string;
  nameId: string;
  nameIdFormat: string;
}

export interface IdpSession {
  id: string;
  username: string;
  authnInstant: number;
  expiresAt: number;
  /** AuthnStatement SessionIndex (SAML core 2.7.2): not the cookie value, which stays secret. */
  sessionIndex: string;
  /** SPs that received an assertion from this session, in order (single logout, profiles 4.4). */
  participants: Map<string, SessionParticipant>;
}

/** Hears every change, so the IdP store can write it through (src/idp/persistence.ts). */
export interface SessionObserver {
  saved(session: IdpSession): void;
  destroyed(id: string): void;
}

export class IdpSessions {
  private readonly map: LruTtlMap<IdpSession>;
  observer: SessionObserver | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly durationMs: number,
    maxSessions = 100_000,
  ) {
    this.map = new LruTtlMap(clock, maxSessions);
  }

  create(username: string): IdpSession {
    const now = this.clock.now();
    const session: IdpSession = { id: this.ids.random(43), username, authnInstant: now, expiresAt: now + this.durationMs, sessionIndex: this.ids.samlId(), participants: new Map() };
    this.map.set(session.id, session, session.expiresAt);
    this.observer?.saved(session);
    return session;
  }

  /** After a change in place (a new participant): lets the observer write it through. */
  saved(session: IdpSession): void {
    this.observer?.saved(session);
  }

  /** A session kept across a restart (src/idp/persistence.ts). */
  restore(session: IdpSession): void {
    this.map.set(session.id, session, session.expiresAt);
  }

  get(id: string | undefined): IdpSession | undefined {
    return id ? this.map.get(id) : undefined;
  }

  destroy(id: string | undefined): void {
    if (!id) return;
    this.map.delete(id);
    this.observer?.destroyed(id);
  }

  get size(): number {
    return this.map.size;
  }
}

export interface PendingRequest {
  id: string;
  sp: IdpServiceProvider;
  /** AuthnRequest ID; null for IdP-initiated logins waiting for the form. */
  requestId: string | null;
  relayState: string | null;
  /** ForceAuthn was asked: the login must not reuse the IdP session. */
  forceAuthn: boolean;
  expiresAt: number;
}

/** How long a login form may stay open before the request is forgotten. */
export const PENDING_TTL_MS = 15 * 60 * 1000;

export class PendingRequests {
  private readonly map: LruTtlMap<PendingRequest>;

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    maxPending = 10_000,
  ) {
    this.map = new LruTtlMap(clock, maxPending);
  }

  add(p: Omit<PendingRequest, 'id' | 'expiresAt'>): PendingRequest {
    const pending: PendingRequest = { ...p, id: this.ids.random(32), expiresAt: this.clock.now() + PENDING_TTL_MS };
    this.map.set(pending.id, pending, pending.expiresAt);
    return pending;
  }

  /** Single use: a completed login cannot be replayed by re-posting the form. */
  take(id: string): PendingRequest | undefined {
    const p = this.map.get(id);
    if (p) this.map.delete(id);
    return p;
  }

  peek(id: string): PendingRequest | undefined {
    return this.map.peek(id);
  }
}
