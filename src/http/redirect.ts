/**
 * A redirect answer byte for byte as express's `res.redirect(status, url)` writes it (the status,
 * `Location` through encodeurl, `Vary: Accept`, a `text/plain` or `text/html` body chosen by the
 * Accept header, `Content-Length`, no body for HEAD), written straight to the response.
 *
 * Why not res.redirect: it runs res.location, res.format (an Accepts and a Negotiator per call,
 * mime lookups of its keys), res.status, res.set with mime.contentType and vary's header parse;
 * on the anonymous GET /session, the start of every login and a request any web page can make a
 * browser send, that was about 30 us of a ~250 us request (issue 15, bench/README.md). The
 * common Accept headers of non-browsers (none, or star/star) are decided without the negotiator;
 * any other Accept goes through express's own req.accepts, so the choice is express's.
 * test/http/redirect.test.ts holds the two answers equal over methods, statuses and Accept headers.
 */
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';

export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

export function sendRedirect(req: Request, res: Response, status: RedirectStatus, url: string): void {
  // res.location is express's own (encodeurl: an already-encoded URL is left as it is).
  const location = res.location(url).getHeader('Location') as string;
  const message = STATUS_CODES[status]!;
  const accept = req.headers.accept;
  // express's res.format({ text, html, default }): the first key (text) when Accept allows
  // anything, the negotiated one otherwise, an empty body without Content-Type when neither fits.
  const kind = accept === undefined || accept === '*/*' ? 'text' : req.accepts(['text', 'html']);
  res.vary('Accept');
  let body = '';
  if (kind === 'text') {
    body = `${message}. Redirecting to ${location}`;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  } else if (kind === 'html') {
    body = `<!DOCTYPE html><head><title>${message}</title></head><body><p>${message}. Redirecting to ${escapeAsExpress(location)}</p></body>`;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
  }
  res.statusCode = status;
  // encodeurl's output is ASCII (it percent-encodes the rest), so characters are bytes.
  res.setHeader('Content-Length', body.length);
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** escape-html's entities (express's HTML body), not src/util/html.ts's numeric ones: the same bytes as res.redirect. */
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeAsExpress(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITY[c]!);
}
