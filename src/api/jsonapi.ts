/**
 * JSON:API plumbing shared by every /api/v2 resource: the media type, error documents in TFE's
 * shape, and input parsing with zod that turns every bad body into a 422 naming the field.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import { SamlgateError } from '../errors.ts';

export const JSONAPI = 'application/vnd.api+json';
const JSONAPI_CONTENT_TYPE = `${JSONAPI}; charset=utf-8`;

export interface ApiErrorObject {
  status: string;
  title: string;
  detail?: string;
  source?: { pointer: string } | { parameter: string };
}

export function sendDocument(res: Response, status: number, doc: unknown): void {
  sendDocumentText(res, status, JSON.stringify(doc));
}

/** sendDocument for a document already serialised (documentOfFrozen). */
export function sendDocumentText(res: Response, status: number, body: string): void {
  // The full header value up front: res.type() would look the type up in the mime table per call.
  res.status(status).setHeader('Content-Type', JSONAPI_CONTENT_TYPE);
  // What res.send() would do for this string, without its per-call work (re-parsing the
  // Content-Type to set the charset it already has, freshness checks that cannot apply: /api/v2
  // sends no ETag or Last-Modified). Other statuses and caching headers keep express's path.
  if (status === 204 || status === 205 || status === 304 || res.hasHeader('ETag') || res.hasHeader('Last-Modified') || res.hasHeader('Transfer-Encoding')) {
    res.send(body);
    return;
  }
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (res.req.method === 'HEAD') res.end();
  else res.end(body, 'utf8');
}

const frozenDocuments = new WeakMap<object, { also: object | undefined; text: string }>();

/**
 * The JSON text of a document that is a function of `record` (and `also`, when given) alone,
 * serialised once per record while both are frozen. Frozen records are the resolved-token
 * cache's (src/gateway/resolved-token-cache.ts), frozen all the way down and shared by every
 * call of one token until a write replaces them with new objects, so a text kept per object can
 * never describe a record that has changed; it goes with its record (a WeakMap). Serialising
 * the caller's own document was a third of the token check's handler path (bench/README.md).
 * Anything not frozen (a browser call's user, read per request) is serialised each time.
 */
export function documentOfFrozen(record: object, also: object | undefined, build: () => unknown): string {
  if (!Object.isFrozen(record) || (also !== undefined && !Object.isFrozen(also))) return JSON.stringify(build());
  const kept = frozenDocuments.get(record);
  if (kept !== undefined && kept.also === also) return kept.text;
  const text = JSON.stringify(build());
  frozenDocuments.set(record, { also, text });
  return text;
}

export function sendErrors(res: Response, status: number, errors: ApiErrorObject[]): void {
  sendDocument(res, status, { errors });
}

export function sendError(res: Response, status: number, title: string, detail?: string): void {
  sendErrors(res, status, [{ status: String(status), title, ...(detail !== undefined ? { detail } : {}) }]);
}

/**
 * This response carries a secret (a token, a capability URL): no cache may keep it, the
 * browser's included (T5; TFE sends the same header with every new token).
 */
export function markSecret(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}

/** The 201 that shows a new token's secret, the only response that ever does. */
export function sendSecret(res: Response, data: unknown): void {
  markSecret(res);
  sendDocument(res, 201, { data });
}

/** TFE answers 404 (never 403) when a valid token may not see a resource (rule T7). */
export function sendNotFound(res: Response): void {
  sendErrors(res, 404, [{ status: '404', title: 'not found' }]);
}

/** A request the JSON:API adapter refuses before the domain sees it (422, src/api/tfe-errors.ts). */
export class ApiInputError extends SamlgateError {
  readonly code = 'ERR_API_INPUT';
  readonly kind = 'usage';
  constructor(readonly errors: ApiErrorObject[]) {
    super(errors.map((e) => e.detail).join('; '));
  }
}

/** Parses a JSON:API request body with a zod schema; throws ApiInputError (422) on failure. */
export function parseBody<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const parsed = schema.safeParse(req.body ?? {});
  if (parsed.success) return parsed.data;
  throw new ApiInputError(
    parsed.error.issues.map((issue) => ({
      status: '422',
      title: 'invalid attribute',
      detail: `${issue.path.join('.') || 'body'}: ${issue.message}`,
      source: { pointer: `/${issue.path.join('/')}` },
    })),
  );
}

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/**
 * /api/v2 request bodies. Requests without a body skip body-parser entirely (it costs a stream
 * read and listeners even on an empty GET, and GETs are the hot path); a body that is not JSON is
 * a 415 that says what to send, instead of a confusing "data: expected object" from the schema.
 */
/** The one /api/v2 path whose body is not JSON (PUT /policies/:id/upload, relative to /api/v2). */
const RAW_BODY_PATH = /^\/policies\/[^/]+\/upload$/;

export function jsonApiBodyParser(): RequestHandler {
  const types = [JSONAPI, 'application/json'];
  // Not body-parser's strict mode: it reports `null`, `1` or `"x"` as a JSON syntax error, which
  // they are not. They parse here and are refused below for what they are: not an object.
  const parse = express.json({ type: types, limit: '1mb', strict: false });
  return (req: Request, res: Response, next: NextFunction) => {
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return next();
    // A policy upload's body is Sentinel/Rego source, not JSON: its route reads it raw.
    if (req.method === 'PUT' && RAW_BODY_PATH.test(req.path)) return next();
    if (!req.is(types)) {
      return sendError(res, 415, 'unsupported media type', `send the request body as JSON with "Content-Type: ${JSONAPI}" (got ${req.headers['content-type'] ?? 'no Content-Type'})`);
    }
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      const notObject = jsonKindUnlessObject(req.body);
      // Also keeps parseBody's `req.body ?? {}` from reading a `null` body as an empty document.
      if (notObject) return next(notAnObject(notObject));
      next();
    });
  };
}

/** What a parsed JSON value is, if it is not an object (JSON:API 7.1: a document's top level is an object). */
function jsonKindUnlessObject(value: unknown): string | null {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value}`;
  return null;
}

const notAnObject = (kind: string) =>
  new ApiInputError([
    {
      status: '422',
      title: 'invalid request body',
      detail: `the request body is valid JSON but not an object (it is ${kind}): send a JSON:API document, an object such as {"data": {"type": "...", "attributes": {...}}}`,
      source: { pointer: '' },
    },
  ]);

/** page[number] / page[size] (TFE: size 1..100, default 20), or a 422 naming the bad parameter. */
export function readPage(req: Request, defaultSize = 20): { number: number; size: number } {
  const read = (name: string, fallback: number, max: number) => {
    const raw = req.query[name];
    if (raw === undefined || raw === '') return fallback;
    const n = typeof raw === 'string' && /^[0-9]{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new ApiInputError([{ status: '422', title: 'invalid parameter', detail: `${name} must be an integer from 1 to ${max}`, source: { parameter: name } }]);
    }
    return n;
  };
  return { number: read('page[number]', 1, 1_000_000_000), size: read('page[size]', defaultSize, 100) };
}

/** TFE's meta.pagination. A page past the end is empty but carries the true totals. */
export function paginationMeta(page: { number: number; size: number }, total: number) {
  const totalPages = Math.max(1, Math.ceil(total / page.size));
  return {
    pagination: {
      'current-page': page.number,
      'page-size': page.size,
      'prev-page': page.number > 1 ? Math.min(page.number - 1, totalPages) : null,
      'next-page': page.number < totalPages ? page.number + 1 : null,
      'total-pages': totalPages,
      'total-count': total,
    },
  };
}

/** JSON:API top-level links for a paginated list at `path` (absolute path, no query). */
export function paginationLinks(path: string, page: { number: number; size: number }, total: number) {
  const totalPages = Math.max(1, Math.ceil(total / page.size));
  const at = (n: number) => `${path}?page%5Bnumber%5D=${n}&page%5Bsize%5D=${page.size}`;
  return {
    self: at(page.number),
    first: at(1),
    prev: page.number > 1 ? at(Math.min(page.number - 1, totalPages)) : null,
    next: page.number < totalPages ? at(page.number + 1) : null,
    last: at(totalPages),
  };
}

/** The `include` query parameter as a set of relationship names. */
export function includes(req: Request): Set<string> {
  const raw = req.query.include;
  return new Set(typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : []);
}
