/**
 * The /api/v2 route table: express's routing rules, without express's per-layer machinery.
 *
 * Why: automation calls the token check on every request, and with express's own Router a
 * `/api/v2` request walked two routers (the app's mount layer trims the path and enters a second
 * Router, which then tries its layers one by one, each through Layer.match, processParams and
 * Route.dispatch with its own next()). Those walks were the largest single cost left on
 * `GET /api/v2/account/details` (bench/README.md, "Where a request's microseconds go"). This
 * table keeps the same rules and the same route modules (`add*Routes(router, ctx)` calls
 * get/post/put/patch/delete/all/use as before), and skips, by a first-segment test computed at
 * start-up, the layers that cannot match.
 *
 * The rules kept, as express's Router 2 applies them (test/http/route-table.test.ts runs every
 * one of them against an express Router side by side):
 * - layers run in registration order; `use()` layers run for every path under their prefix,
 *   routes only for their path and method; HEAD is answered by GET routes; `all` takes any method;
 * - paths match case-insensitively, with an optional trailing slash, by path-to-regexp (the
 *   library express itself uses, with the same options); parameters are URI-decoded, and a
 *   malformed escape is a 400 error, not a match;
 * - `next()` goes on to the next handler and then the next matching layer (two routes may share a
 *   path and pass on what is not theirs), `next('route')` leaves the route, `next('router')`
 *   leaves the table, `next(err)` (or a thrown error, or a rejected promise) leaves it with the
 *   error for the app's error handler;
 * - inside a `use(prefix, fn)` layer req.url is trimmed of the prefix, as express does;
 * - the mount: the table answers under its prefix (case-insensitive, a path-segment boundary),
 *   with req.url trimmed and req.baseUrl set as express's mount sets them; an absolute-form
 *   target (`http://host/api/v2/...`) is routed by its path, its scheme and host kept in req.url.
 * Error-handling middleware (four arguments) is not supported here and refused at registration:
 * errors go to the app's error handler.
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { match, type MatchFunction } from 'path-to-regexp';

/** What route modules register with: the part of express's Router they use. */
export type ApiRoutes = Pick<Router, 'get' | 'post' | 'put' | 'patch' | 'delete' | 'all' | 'use'>;

type Params = Record<string, string | string[]>;

interface Layer {
  /** The upper-case method a route answers ('*' for all()); null for a use() layer. */
  readonly method: string | null;
  /** The pattern's first path segment, lower-cased, when it is a literal: a request whose first segment differs cannot match. */
  readonly firstSegment: string | null;
  /** The path matcher; null for a use() layer without a prefix (it takes every path). A use() prefix's matched part is trimmed from req.url. */
  readonly match: MatchFunction<Params> | null;
  readonly handlers: readonly RequestHandler[];
}

/**
 * The scheme and authority of an absolute-form target (`http://host:port/api/v2/...`, what a
 * client talking to a proxy sends), '' for the usual origin-form `/api/v2/...`. Express routes by
 * the path after it and keeps it in req.url; so does the table.
 */
function protohostOf(url: string): string {
  if (url.charCodeAt(0) === 47 /* / */) return '';
  const query = url.indexOf('?');
  const scheme = url.indexOf('://');
  if (scheme === -1 || (query !== -1 && scheme > query)) return '';
  const slash = url.indexOf('/', scheme + 3);
  return slash === -1 ? url : url.slice(0, slash);
}

/** The literal first segment of a pattern (`/organizations/:name` -> `organizations`), or null. */
function literalFirstSegment(pattern: string): string | null {
  const m = /^\/([^/]*)/.exec(pattern);
  if (!m || m[1] === '' || /[:*{}()[\]+?!\\]/.test(m[1]!)) return null;
  return m[1]!.toLowerCase();
}

/** Express's decodeParam: a malformed escape is a 400 error. */
function decodeParam(value: string): string {
  if (value.length === 0 || value.indexOf('%') === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch (err) {
    if (err instanceof URIError) {
      err.message = `Failed to decode param '${value}'`;
      Object.assign(err, { status: 400, statusCode: 400 });
    }
    throw err;
  }
}

const TRAILING_SLASHES = /\/+$/;

function compile(pattern: string, end: boolean): MatchFunction<Params> {
  return match<Params>(pattern === '/' ? pattern : pattern.replace(TRAILING_SLASHES, ''), { sensitive: false, end, trailing: true, decode: decodeParam });
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs one handler the way express's Layer does: a throw or a rejection becomes next(err). */
function invoke(fn: RequestHandler, req: Request, res: Response, next: NextFunction): void {
  try {
    const ret: unknown = fn(req, res, next);
    if (isPromiseLike(ret)) ret.then(undefined, (err: unknown) => next(err || new Error('Rejected promise')));
  } catch (err) {
    next(err);
  }
}

export class RouteTable {
  private readonly layers: Layer[] = [];

  /** The table as the route modules see it (express's Router methods they call, with its typings). */
  get routes(): ApiRoutes {
    return this as unknown as ApiRoutes;
  }

  get(path: string, ...handlers: RequestHandler[]): this {
    return this.route('GET', path, handlers);
  }
  post(path: string, ...handlers: RequestHandler[]): this {
    return this.route('POST', path, handlers);
  }
  put(path: string, ...handlers: RequestHandler[]): this {
    return this.route('PUT', path, handlers);
  }
  patch(path: string, ...handlers: RequestHandler[]): this {
    return this.route('PATCH', path, handlers);
  }
  delete(path: string, ...handlers: RequestHandler[]): this {
    return this.route('DELETE', path, handlers);
  }
  all(path: string, ...handlers: RequestHandler[]): this {
    return this.route('*', path, handlers);
  }

  use(pathOrHandler: string | RequestHandler, ...handlers: RequestHandler[]): this {
    const path = typeof pathOrHandler === 'string' ? pathOrHandler : '/';
    const fns = typeof pathOrHandler === 'string' ? handlers : [pathOrHandler, ...handlers];
    if (fns.length === 0) throw new TypeError('RouteTable.use() requires a handler');
    for (const fn of fns) {
      checkHandler(fn);
      // One layer per function, as express's use() makes them.
      this.layers.push({ method: null, firstSegment: literalFirstSegment(path), match: path === '/' ? null : compile(path, false), handlers: [fn] });
    }
    return this;
  }

  private route(method: string, path: string, handlers: RequestHandler[]): this {
    if (typeof path !== 'string') throw new TypeError('RouteTable routes take a string path');
    if (handlers.length === 0) throw new TypeError(`route ${path} has no handler`);
    for (const fn of handlers) checkHandler(fn);
    this.layers.push({ method, firstSegment: literalFirstSegment(path), match: compile(path, true), handlers });
    return this;
  }

  /**
   * The table as one express middleware answering under `mountPath` (e.g. `/api/v2`); any other
   * request goes on to the app's next layer untouched.
   */
  mountAt(mountPath: string): RequestHandler {
    const prefix = mountPath.toLowerCase();
    return (req, res, next) => {
      const url = req.url;
      const protohost = protohostOf(url);
      const target = protohost === '' ? url : url.slice(protohost.length);
      if (target.length < prefix.length || target.slice(0, prefix.length).toLowerCase() !== prefix) return next();
      const c = target.charCodeAt(prefix.length);
      // A path-segment boundary: `/api/v2`, `/api/v2/...` or `/api/v2?...`, never `/api/v20`.
      if (!Number.isNaN(c) && c !== 47 /* / */ && c !== 63 /* ? */) return next();
      const inner = withLeadingSlash(protohost, target.slice(prefix.length));
      underPrefix(req, inner, (req.baseUrl || '') + target.slice(0, prefix.length), (restored) => this.handle(req, res, restored), next);
    };
  }

  /** Runs the request through the matching layers in order; `out` gets what falls off the end. */
  handle(req: Request, res: Response, out: (err?: unknown) => void): void {
    const layers = this.layers;
    const url = req.url;
    const target = url.slice(protohostOf(url).length);
    // The pathname as express's parseurl reads it: up to the query (or a fragment a client sent).
    const end = target.search(/[?#]/);
    const path = end === -1 ? target : target.slice(0, end);
    const slash = path.indexOf('/', 1);
    const segment = (slash === -1 ? path.slice(1) : path.slice(1, slash)).toLowerCase();
    const method = req.method;
    let index = 0;

    const next = (err?: unknown): void => {
      if (err === 'router') return out();
      if (err && err !== 'route') return out(err);
      while (index < layers.length) {
        const layer = layers[index++]!;
        if (layer.method !== null && layer.method !== method && layer.method !== '*' && !(method === 'HEAD' && layer.method === 'GET')) continue;
        if (layer.firstSegment !== null && layer.firstSegment !== segment) continue;
        let params: Params = {};
        let trimmed = '';
        if (layer.match) {
          let m: ReturnType<MatchFunction<Params>>;
          try {
            m = layer.match(path);
          } catch (e) {
            return out(e);
          }
          if (!m) continue;
          params = m.params;
          if (layer.method === null) trimmed = m.path;
        }
        req.params = params as Request['params'];
        if (layer.method === null) return this.runUse(layer.handlers[0]!, trimmed, req, res, next);
        return this.runRoute(layer.handlers, req, res, next);
      }
      out();
    };
    next();
  }

  private runUse(fn: RequestHandler, trimmed: string, req: Request, res: Response, next: (err?: unknown) => void): void {
    if (trimmed === '' || trimmed === '/') return invoke(fn, req, res, next);
    const protohost = protohostOf(req.url);
    const inner = withLeadingSlash(protohost, req.url.slice(protohost.length + trimmed.length));
    underPrefix(req, inner, req.baseUrl + (trimmed.endsWith('/') ? trimmed.slice(0, -1) : trimmed), (restored) => invoke(fn, req, res, restored), next);
  }

  private runRoute(handlers: readonly RequestHandler[], req: Request, res: Response, next: (err?: unknown) => void): void {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err === 'route') return next();
      if (err) return next(err);
      if (i >= handlers.length) return next();
      invoke(handlers[i++]!, req, res, step);
    };
    step();
  }
}

/**
 * Runs `inside` with req.url and req.baseUrl as a prefix's handlers see them (express's
 * trimPrefix), and puts both back before whatever comes after it continues (`next`).
 */
function underPrefix(req: Request, url: string, baseUrl: string, inside: (next: (err?: unknown) => void) => void, next: (err?: unknown) => void): void {
  const outerUrl = req.url;
  const outerBaseUrl = req.baseUrl;
  req.url = url;
  req.baseUrl = baseUrl;
  inside((err?: unknown) => {
    req.url = outerUrl;
    req.baseUrl = outerBaseUrl;
    next(err);
  });
}

/** The trimmed req.url as express's trimPrefix leaves it: a leading slash, unless a scheme and host precede it. */
function withLeadingSlash(protohost: string, rest: string): string {
  return protohost !== '' ? protohost + rest : rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
}

function checkHandler(fn: unknown): asserts fn is RequestHandler {
  if (typeof fn !== 'function') throw new TypeError('a route handler must be a function');
  // Express would skip such a layer for requests and call it for errors; here errors go to the
  // app's error handler, so registering one is a mistake worth hearing about at start-up.
  if (fn.length > 3) throw new TypeError('error-handling middleware belongs to the app, not to the /api/v2 route table');
}
