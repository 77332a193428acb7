/**
 * The gateway's SAML debug view (TFE's SAML `debug` setting): the last N login attempts, each
 * with the decoded response, its attributes, the F1 decision and the full findings report of the
 * shared verification core, kept in memory and bounded. Also the near-misses each user's last
 * accepted login carried, for the account and admin pages ("the IdP sent `isServiceAccount`:
 * TFE ignores it; rename the attribute to IsServiceAccount").
 *
 * In memory on purpose: debug data holds whole assertions (personal data), and it is for the
 * person at the keyboard now, not for after a restart.
 */
import type { LoginFinding, UserRecord } from '../store/types.ts';
import type { Config } from '../config.ts';
import type { Finding as AttributeFinding } from '../saml/attribute-policy.ts';
import type { SamlAttribute } from '../saml/attributes.ts';
import type { Finding } from '../saml/verify/findings.ts';

export interface LoginAttempt {
  id: number;
  at: number;
  outcome: 'accepted' | 'refused';
  code: string | null;
  /** Operator detail of a refusal. */
  detail: string | null;
  fix: string | null;
  /** The decoded response (null when it was not even base64). */
  xml: string | null;
  decryptedAssertionXml: string | null;
  signed: { response: boolean; assertion: boolean };
  attributes: SamlAttribute[];
  serviceAccount: { flagged: boolean } | null;
  findings: Finding[];
  userId: string | null;
  nameId: string | null;
}

export interface UserLoginNote {
  at: number;
  /** As stored on the user record (codes are AttributeFinding codes, kept as strings in the store). */
  notes: LoginFinding[];
}


export class LoginAttemptLog {
  private attempts: LoginAttempt[] = [];
  private next = 1;
  constructor(readonly capacity = 25) {}

  add(a: Omit<LoginAttempt, 'id'>): LoginAttempt {
    const attempt = { ...a, id: this.next++ };
    this.attempts.push(attempt);
    if (this.attempts.length > this.capacity) this.attempts.shift();
    return attempt;
  }

  latest(): LoginAttempt[] {
    return [...this.attempts].reverse();
  }

  get(id: number): LoginAttempt | undefined {
    return this.attempts.find((a) => a.id === id);
  }
}

/** The configured default of the `debug` setting: on when configured, and for `--clock manual` runs (a dev setup). An admin's saved `debug` overrides it (src/tfe/saml-settings.ts). */
export function samlDebugEnabled(config: Config): boolean {
  return config.gateway.samlDebug ?? config.clock === 'manual';
}

/**
 * The near-misses of a user's latest accepted login. They are stored on the user record by the
 * login itself (replaced at every login, F2-style), so they survive restarts with the user.
 */
export function loginNoteOf(user: UserRecord): UserLoginNote | undefined {
  return user.loginFindings.length ? { at: user.lastLoginAt, notes: user.loginFindings } : undefined;
}
