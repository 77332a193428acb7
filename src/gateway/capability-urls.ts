/**
 * Capability URLs, as TFE's archivist hands them out: an absolute URL that is itself the
 * permission, readable without a token, for configuration uploads, state downloads and plan/apply
 * logs. Ours are HMAC-SHA256-signed (kind, resource id, expiry): unguessable, bound to one
 * resource and one use kind, and any tampering (another id, another kind, a longer life, a cut
 * signature) is refused. The signature sits in the path because clients rewrite the query:
 * go-tfe's log reader replaces it with `limit=...&offset=...`.
 *
 * Nothing is stored per URL, so a fresh URL can be minted on every read (TFE does the same). The
 * key is per gateway process: URLs die with a restart, as TFE's expire after minutes.
 *
 * Each URL also names its minter, the credential of the API call that handed it out (a token id,
 * or the user of a browser session), so its use can be refused once that credential would be
 * (capability-standing.ts): a URL is never worth more than the credential that obtained it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';

export type CapabilityKind = 'cv-upload' | 'state-download' | 'plan-log' | 'apply-log' | 'module-upload' | 'plan-export-download';
const KINDS: ReadonlySet<string> = new Set<CapabilityKind>(['cv-upload', 'state-download', 'plan-log', 'apply-log', 'module-upload', 'plan-export-download']);

export const CAPABILITY_PATH = '/_archivist/v1/object';

/** Who obtained a URL: an API token (user, team or organization), or a user's browser session. */
export type Minter = { kind: 'token'; tokenId: string } | { kind: 'session'; userId: string };

export interface Grant {
  id: string;
  minter: Minter;
}

const encodeMinter = (m: Minter) => (m.kind === 'token' ? `t:${m.tokenId}` : `s:${m.userId}`);
function decodeMinter(s: string | undefined): Minter | undefined {
  if (!s || s.length < 3 || s[1] !== ':') return undefined;
  if (s[0] === 't') return { kind: 'token', tokenId: s.slice(2) };
  if (s[0] === 's') return { kind: 'session', userId: s.slice(2) };
  return undefined;
}

/** How long a URL works: long enough for a slow CI upload, short enough that a leaked log link dies. */
export const CAPABILITY_TTL_MS = 60 * 60_000;

export class CapabilityUrls {
  constructor(
    private readonly key: Buffer,
    private readonly baseUrl: string,
    private readonly clock: Clock,
  ) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  /** The absolute URL for `kind` on resource `id`, handed out to `minter`. */
  url(kind: CapabilityKind, id: string, minter: Minter): string {
    const payload = Buffer.from(`${kind}|${id}|${this.clock.now() + CAPABILITY_TTL_MS}|${encodeMinter(minter)}`).toString('base64url');
    return `${this.baseUrl}${CAPABILITY_PATH}/${payload}.${this.sign(payload)}`;
  }

  /**
   * The resource a URL token grants and who obtained it, or undefined for anything tampered,
   * expired or of another kind. Whether the minter still stands is the caller's question.
   */
  verify(token: string, kind: CapabilityKind): Grant | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const [k, id, exp, by] = Buffer.from(payload, 'base64url').toString('utf8').split('|');
    const minter = decodeMinter(by);
    if (!k || !KINDS.has(k) || k !== kind || !id || !exp || !(Number(exp) > this.clock.now()) || !minter) return undefined;
    return { id, minter };
  }

  /** Which kind a valid token is for (the one route serves several kinds by method). */
  kindOf(token: string): CapabilityKind | undefined {
    const payload = token.slice(0, Math.max(0, token.indexOf('.')));
    const k = Buffer.from(payload, 'base64url').toString('utf8').split('|')[0];
    return k && KINDS.has(k) ? (k as CapabilityKind) : undefined;
  }
}

/**
 * A URL (path and query) fit for the log: the capability token, a bearer secret until it
 * expires, blanked. Express routes paths case-insensitively, so the prefix is matched that way
 * too (`/_ARCHIVIST/...` reaches the same handler and must not be logged either).
 */
export function redactCapability(url: string): string {
  const prefix = `${CAPABILITY_PATH}/`;
  if (url.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return url;
  const q = url.indexOf('?');
  return `${CAPABILITY_PATH}/[capability]${q >= 0 ? url.slice(q) : ''}`;
}
