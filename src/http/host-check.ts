/**
 * DNS-rebinding defence for both halves. A page on evil.example can make its own name resolve to
 * 127.0.0.1; the browser then treats our servers as same-origin with that page, and everything
 * unauthenticated (the IdP's directory and SP registry, the dev clock) becomes readable and
 * writable from it. The one thing the attacker cannot change is the Host header the browser sends:
 * it carries the attacker's name. So each half answers only to the names it is configured under.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Loopback names a person or a script on this machine uses. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The host part of a Host header (or URL host), lowercased, without the port. */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return (colon < 0 ? h : h.slice(0, colon)).replace(/\.$/, '');
}

/**
 * The names one half answers to: loopback, the host of each public URL, the listen address when it
 * is a specific one, and any extra names from config (`allowedHosts`).
 */
export function allowedHostnames(o: { publicUrls: string[]; listenHost: string; extra?: string[] }): Set<string> {
  const names = new Set(LOOPBACK_HOSTS);
  for (const url of o.publicUrls) names.add(hostnameOf(new URL(url).host));
  // 0.0.0.0 and :: mean "every interface", not a name anyone sends: those need a public URL.
  if (o.listenHost !== '0.0.0.0' && o.listenHost !== '::') names.add(hostnameOf(o.listenHost.includes(':') && !o.listenHost.startsWith('[') ? `[${o.listenHost}]` : o.listenHost));
  for (const extra of o.extra ?? []) names.add(hostnameOf(extra));
  return names;
}

/**
 * The check as a function for a composed prelude (src/http/request-prelude.ts): true when the
 * Host is allowed; otherwise it has answered 421 and the request goes no further.
 */
export type HostGuard = (req: Request, res: Response) => boolean;

export function hostGuard(o: { allowed: Set<string>; what: string; publicUrlFlag: string }): HostGuard {
  const list = [...o.allowed].join(', ');
  // Hot path (every API call): clients send the same few Host values, so remember raw header values seen allowed.
  const seen = new Set<string>();
  return function hostAllowed(req: Request, res: Response): boolean {
    const host = req.headers.host;
    if (host !== undefined && seen.has(host)) return true;
    if (host !== undefined && o.allowed.has(hostnameOf(host))) {
      if (seen.size < 64) seen.add(host);
      return true;
    }
    // 421 Misdirected Request (RFC 9110 15.5.20): this server is not configured to answer for that name.
    res.status(421).setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(
      `samlgate ${o.what}: refused Host ${JSON.stringify(host ?? '')}: this server answers only to ${list} ` +
        `(a defence against DNS rebinding). If you reach it under another name, set ${o.publicUrlFlag} to that URL ` +
        `or add the name to allowedHosts in the config file.\n`,
    );
    return false;
  };
}

export function hostCheck(o: { allowed: Set<string>; what: string; publicUrlFlag: string }): RequestHandler {
  const allowed = hostGuard(o);
  return (req: Request, res: Response, next: NextFunction) => {
    if (allowed(req, res)) next();
  };
}
