/**
 * The IdP's own browser sessions (cookie `samlgate_idp`, DESIGN 2b), in a bounded LRU map with a
 * TTL on the injected Clock (src/util/lru.ts), so a ManualClock can expire them and a flood of
 * logins costs O(1) each. Only a completed login creates one; AuthnRequests waiting for the
 * login form live in the browser (src/idp/pending-login.ts), not here.
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { LruTtlMap } from '../util/lru.ts';

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
