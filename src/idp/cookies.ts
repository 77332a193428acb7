/** Reading cookies from the request header (the IdP does not need a cookie parser). */
import type { Request } from 'express';

/** Every name=value pair in the Cookie header, in the order the browser sent them. */
export function cookieEntries(req: Request): Array<[name: string, value: string]> {
  const header = req.headers.cookie;
  if (!header) return [];
  const out: Array<[string, string]> = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  return out;
}

/**
 * All values sent under one name. More than one means two cookies of that name with different
 * Path or Domain attributes: a browser never gets that from the IdP, but a page on a sibling
 * port of the same host can plant one (cookies do not isolate ports), so callers refuse it.
 */
export function cookieValues(req: Request, name: string): string[] {
  return cookieEntries(req).filter(([n]) => n === name).map(([, v]) => v);
}

export function readCookie(req: Request, name: string): string | undefined {
  return cookieValues(req, name)[0];
}
