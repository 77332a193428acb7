/**
 * The response headers both halves send on every response (SP-SECURITY: no framing, no MIME
 * sniffing, no referrer leaks of SAML query strings, a CSP that allows no script by default).
 * One list, so the IdP and the gateway cannot drift apart: the IdP once sent none of the framing
 * protections and its login form was framed cross-site (login CSRF, issue 9).
 */
import type { NextFunction, Request, Response } from 'express';

/**
 * Styles and scripts only from the shared asset files (src/http/assets.ts): no inline style or
 * script runs, so markup injected into a page can neither restyle it into a fake form nor run.
 * script-src comes last so scriptHashes can extend that one directive (a second script-src
 * directive would be ignored by browsers).
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; script-src 'self'";

export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'same-origin'],
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
];

/** Sets the precompiled header list on a response (for a composed prelude: src/http/request-prelude.ts). */
export type HeaderSetter = (res: Response) => void;

/**
 * SECURITY_HEADERS, computed once. `scriptHashes` ('sha256-...') allow exactly those inline
 * scripts (the IdP's auto-posting form) besides the shared script file; `extra` headers go after the shared ones.
 */
export function securityHeaderSetter(o: { scriptHashes?: readonly string[]; extra?: ReadonlyArray<readonly [string, string]> } = {}): HeaderSetter {
  const csp = o.scriptHashes?.length ? `${CONTENT_SECURITY_POLICY} ${o.scriptHashes.map((h) => `'${h}'`).join(' ')}` : CONTENT_SECURITY_POLICY;
  const headers = [...SECURITY_HEADERS.map(([n, v]) => [n, n === 'Content-Security-Policy' ? csp : v] as const), ...(o.extra ?? [])];
  const names = headers.map(([n]) => n);
  const values = headers.map(([, v]) => v);
  const n = names.length;
  // setHeader, not res.set: express's set() re-derives charsets per call, on every request.
  return function setSecurityHeaders(res: Response): void {
    for (let i = 0; i < n; i++) res.setHeader(names[i]!, values[i]!);
  };
}

/** Middleware setting SECURITY_HEADERS (see securityHeaderSetter for the options). */
export function securityHeaders(o: { scriptHashes?: readonly string[]; extra?: ReadonlyArray<readonly [string, string]> } = {}) {
  const set = securityHeaderSetter(o);
  return (_req: Request, res: Response, next: NextFunction) => {
    set(res);
    next();
  };
}
