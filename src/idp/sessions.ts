/**
 * The IdP's own browser sessions (cookie `samlgate_idp`, DESIGN 2b) and the AuthnRequests
 * waiting for a login. Both are small in-memory maps keyed by random ids and timed by the
 * injected Clock, so a ManualClock can expire them in tests.
 */
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import type { SpTrust } from '../saml/trust.ts';

export const IDP_SESSION_COOKIE = 'samlgate_idp';

export interface IdpSession {
  id: string;
  username: string;
  authnInstant: number;
  expiresAt: number;
  /** AuthnStatement SessionIndex (SAML core 2.7.2): not the cookie value, which stays secret. */
  sessionIndex: string;
}

/** A bounded map whose entries expire on the injected clock. */
class ExpiringMap<T extends { expiresAt: number }> {
  private readonly entries = new Map<string, T>();
  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
  ) {}

  get(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  set(id: string, value: T): void {
    if (this.entries.size >= this.maxEntries) this.sweep();
    // Still full of live entries: drop the oldest (Map keeps insertion order).
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, value);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
  }
}

export class IdpSessions {
  private readonly map: ExpiringMap<IdpSession>;

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly durationMs: number,
    maxSessions = 100_000,
  ) {
    this.map = new ExpiringMap(clock, maxSessions);
  }

  create(username: string): IdpSession {
    const now = this.clock.now();
    const session: IdpSession = { id: this.ids.random(43), username, authnInstant: now, expiresAt: now + this.durationMs, sessionIndex: this.ids.samlId() };
    this.map.set(session.id, session);
    return session;
  }

  get(id: string | undefined): IdpSession | undefined {
    return id ? this.map.get(id) : undefined;
  }

  destroy(id: string | undefined): void {
    if (id) this.map.delete(id);
  }
}

export interface PendingRequest {
  id: string;
  sp: SpTrust;
  /** AuthnRequest ID; null for IdP-initiated logins waiting for the form. */
  requestId: string | null;
  relayState: string | null;
  expiresAt: number;
}

/** How long a login form may stay open before the request is forgotten. */
export const PENDING_TTL_MS = 15 * 60 * 1000;

export class PendingRequests {
  private readonly map: ExpiringMap<PendingRequest>;

  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    maxPending = 10_000,
  ) {
    this.map = new ExpiringMap(clock, maxPending);
  }

  add(p: Omit<PendingRequest, 'id' | 'expiresAt'>): PendingRequest {
    const pending: PendingRequest = { ...p, id: this.ids.random(32), expiresAt: this.clock.now() + PENDING_TTL_MS };
    this.map.set(pending.id, pending);
    return pending;
  }

  /** Single use: a completed login cannot be replayed by re-posting the form. */
  take(id: string): PendingRequest | undefined {
    const p = this.map.get(id);
    if (p) this.map.delete(id);
    return p;
  }

  peek(id: string): PendingRequest | undefined {
    return this.map.get(id);
  }
}
