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
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';

export type CapabilityKind = 'cv-upload' | 'state-download' | 'plan-log' | 'apply-log';
const KINDS: ReadonlySet<string> = new Set<CapabilityKind>(['cv-upload', 'state-download', 'plan-log', 'apply-log']);

export const CAPABILITY_PATH = '/_archivist/v1/object';

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

  /** The absolute URL for `kind` on resource `id`. */
  url(kind: CapabilityKind, id: string): string {
    const payload = Buffer.from(`${kind}|${id}|${this.clock.now() + CAPABILITY_TTL_MS}`).toString('base64url');
    return `${this.baseUrl}${CAPABILITY_PATH}/${payload}.${this.sign(payload)}`;
  }

  /** The resource a URL token grants, or undefined for anything tampered, expired or of another kind. */
  verify(token: string, kind: CapabilityKind): string | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const [k, id, exp] = Buffer.from(payload, 'base64url').toString('utf8').split('|');
    if (!k || !KINDS.has(k) || k !== kind || !id || !exp || !(Number(exp) > this.clock.now())) return undefined;
    return id;
  }

  /** Which kind a valid token is for (the one route serves several kinds by method). */
  kindOf(token: string): CapabilityKind | undefined {
    const payload = token.slice(0, Math.max(0, token.indexOf('.')));
    const k = Buffer.from(payload, 'base64url').toString('utf8').split('|')[0];
    return k && KINDS.has(k) ? (k as CapabilityKind) : undefined;
  }
}

/** A URL fit for the log: the capability token (a bearer secret until it expires) blanked. */
export function redactCapability(url: string): string {
  return url.startsWith(`${CAPABILITY_PATH}/`) ? `${CAPABILITY_PATH}/[capability]${url.includes('?') ? url.slice(url.indexOf('?')) : ''}` : url;
}
