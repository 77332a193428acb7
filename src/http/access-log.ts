/**
 * One access-log line per request, at info: method, path, status, duration. Query parameters that
 * carry SAML messages, OAuth codes or tokens are replaced by "[redacted]" before the path is logged
 * (the query string is the one part of a URL a logger would otherwise copy verbatim), and the
 * path of a capability URL (upload, state download, logs: a bearer secret for an hour) loses its
 * token through the one redactCapability().
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log.ts';
import { redactCapability } from '../gateway/capability-urls.ts';

/** Query parameters whose values are secrets or signed messages: never logged. */
export const REDACTED_QUERY_PARAMS = new Set(['samlresponse', 'samlrequest', 'relaystate', 'signature', 'code', 'code_verifier', 'code_challenge', 'state', 'token', 'access_token', 'refresh_token', 'password']);

export function redactedPath(originalUrl: string): string {
  const q = originalUrl.indexOf('?');
  if (q < 0) return originalUrl;
  const query = originalUrl
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        name = rawName;
      }
      return REDACTED_QUERY_PARAMS.has(name.toLowerCase()) && eq >= 0 ? `${rawName}=[redacted]` : pair;
    })
    .join('&');
  return `${originalUrl.slice(0, q)}?${query}`;
}

/** The middleware, or null when info is off: then no layer at all on the API's hot path. */
export function accessLog(logger: Logger): RequestHandler | null {
  return logger.isLevelEnabled('info') ? accessLogLine(logger) : null;
}

function accessLogLine(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    let logged = false;
    // 'finish' when the response went out; 'close' alone when the client went away first.
    const line = () => {
      if (logged) return;
      logged = true;
      const durationMs = Math.round((performance.now() - start) * 10) / 10;
      const path = redactCapability(redactedPath(req.originalUrl));
      const aborted = !res.writableFinished;
      logger.info(
        { event: 'http.request', method: req.method, path, status: res.statusCode, durationMs, ...(aborted ? { aborted: true } : {}) },
        `${req.method} ${path} ${aborted ? 'aborted' : res.statusCode} (${durationMs} ms)`,
      );
    };
    res.once('finish', line);
    res.once('close', line);
    next();
  };
}
