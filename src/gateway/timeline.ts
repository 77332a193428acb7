/**
 * The story of a user's tokens, for /app/timeline and the admin timeline: logins with the
 * IsServiceAccount flag read at each, web session ends, token refusals with the API's reason,
 * all on the gateway clock (the dev clock under --clock manual).
 *
 * Logins are already recorded (the SAML debug log, src/sp/login-attempts.ts, and the user
 * record's last login); this ring records only what nothing else keeps: session ends and token
 * refusals. Bounded and in memory, like the login-attempts log: it is for the person at the
 * keyboard now. A client retrying with a refused token must not flush the story, so repeated
 * refusals of one token for one reason are counted on one entry instead of added.
 */
import type { TokenKind } from '../store/types.ts';
import type { TokenDenial } from '../tfe/token-validity.ts';
import type { SessionEnd } from './web-session.ts';

export type SessionEndReason = SessionEnd | 'sign-out' | 'suspended';

export interface SessionEndedEvent {
  kind: 'session-ended';
  at: number;
  userId: string;
  reason: SessionEndReason;
}

export interface TokenRefusedEvent {
  kind: 'token-refused';
  /** First refusal of this run. */
  at: number;
  lastAt: number;
  count: number;
  /** The owning user of a user token; null for team and organization tokens. */
  userId: string | null;
  tokenId: string;
  tokenKind: TokenKind;
  reason: TokenDenial;
  /** The 401 detail the API sent. */
  detail: string;
}

export type RecordedEvent = SessionEndedEvent | TokenRefusedEvent;

export class Timeline {
  private events: RecordedEvent[] = [];
  /** The entry a repeated refusal is counted on, while it is still in the ring. */
  private openRefusals = new Map<string, TokenRefusedEvent>();
  private keys = new WeakMap<TokenRefusedEvent, string>();

  constructor(readonly capacity = 200) {}

  sessionEnded(e: Omit<SessionEndedEvent, 'kind'>): void {
    this.push({ kind: 'session-ended', ...e });
  }

  /**
   * `chapter` tells a repeat from a new refusal: the owner's last login for user tokens (a
   * refusal after logging in again is news), 0 for team and organization tokens.
   */
  tokenRefused(e: Omit<TokenRefusedEvent, 'kind' | 'lastAt' | 'count'>, chapter: number): void {
    const key = `${e.tokenId}\u0000${e.reason}\u0000${chapter}`;
    const open = this.openRefusals.get(key);
    if (open) {
      open.count++;
      open.lastAt = Math.max(open.lastAt, e.at);
      open.detail = e.detail;
      return;
    }
    const event: TokenRefusedEvent = { kind: 'token-refused', ...e, lastAt: e.at, count: 1 };
    this.openRefusals.set(key, event);
    this.keys.set(event, key);
    this.push(event);
  }

  /** Newest first; copies, so callers cannot change the ring. */
  latest(filter: (e: RecordedEvent) => boolean = () => true): RecordedEvent[] {
    return this.events.filter(filter).reverse().map((e) => ({ ...e }));
  }

  private push(event: RecordedEvent) {
    this.events.push(event);
    if (this.events.length > this.capacity) {
      const dropped = this.events.shift()!;
      const key = dropped.kind === 'token-refused' ? this.keys.get(dropped) : undefined;
      if (key !== undefined && this.openRefusals.get(key) === dropped) this.openRefusals.delete(key);
    }
  }
}
