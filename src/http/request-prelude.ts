/**
 * What every request of the gateway passes before routing, as ONE express layer built at start-up:
 * the Host check (DNS rebinding), the security headers, the static assets, and the start-up gate.
 * Each app.use() layer costs a walk step, a path match and a next() closure per request; on the
 * token check (/api/v2, automation calls it on every request) those steps were measurable
 * (bench/README.md, "Where a request's microseconds go"). Order and answers are the ones the
 * separate layers gave: Host first (a refused Host learns nothing, not even the headers), then the
 * headers, then assets (served even before start-up has finished), then the gate.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { HostGuard } from './host-check.ts';
import type { HeaderSetter } from './security-headers.ts';

export interface RequestPreludeOptions {
  host: HostGuard;
  headers: HeaderSetter;
  /** The asset middleware (src/http/assets.ts): it answers its fixed paths and passes everything else. */
  assets: RequestHandler;
  /** True once start-up work on the store is done; until then requests wait for `started`. */
  ready: () => boolean;
  started: Promise<unknown>;
}

export function requestPrelude(o: RequestPreludeOptions): RequestHandler {
  const { host, headers, assets, ready, started } = o;
  return function prelude(req: Request, res: Response, next: NextFunction) {
    if (!host(req, res)) return;
    headers(res);
    // Only an origin-form target under /assets/ can be an asset; anything else (absolute-form
    // included) goes through the asset middleware's own path test as before.
    const url = req.url;
    if (url.charCodeAt(0) !== 47 || url.startsWith('/assets/')) {
      return assets(req, res, (err?: unknown) => (err ? next(err) : gate(next)));
    }
    gate(next);
  };
  function gate(next: NextFunction) {
    if (ready()) return next();
    started.then(() => next(), next);
  }
}
