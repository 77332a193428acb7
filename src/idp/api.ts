/**
 * The IdP's admin JSON API (DESIGN 2b): open by default (a local test tool), bearer-token
 * protected when `idp.adminToken` is set. Handlers validate with zod, call the directory or the
 * SP registry, and answer JSON; errors use the `{"errors":[{status,title,detail}]}` shape.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { FAULT_NAMES, xmlText } from '../config.ts';
import type { Logger } from '../log.ts';
import { MetadataError, parseSpMetadata } from '../saml/metadata.ts';
import { publicUser, type IdpUser, type UserDirectory } from './directory.ts';
import { serviceAccountPreview } from './preview.ts';
import { describeServiceProvider, type ServiceProviderRegistry } from './service-providers.ts';

export function sendError(res: Response, status: number, title: string, detail?: string): void {
  res.status(status).type('application/json').send(JSON.stringify({ errors: [{ status: String(status), title, ...(detail ? { detail } : {}) }] }));
}

function zodDetail(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
}

const attributeName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s<>&"']+$/, 'attribute names may not contain whitespace or <>&"\'');

const patchUserSchema = z
  .strictObject({
    attributes: z.record(attributeName, z.union([xmlText, z.boolean(), z.number(), z.array(xmlText), z.null()])).optional(),
    faults: z.array(z.enum(FAULT_NAMES)).optional(),
  })
  .refine((b) => b.attributes !== undefined || b.faults !== undefined, 'send "attributes" and/or "faults"');

const spJsonSchema = z.strictObject({ metadata: z.string().min(1) });

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time bearer check; hashing first makes the comparison length-independent. */
function requireToken(token: string | undefined) {
  const expected = token === undefined ? null : digest(token);
  return (req: Request, res: Response, next: NextFunction) => {
    if (expected === null) return next();
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="samlgate-idp"');
      return sendError(res, 401, 'unauthorized', 'send Authorization: Bearer <idp admin token>');
    }
    next();
  };
}

/** The user as the admin API shows it, with the gateway's reading of IsServiceAccount (rule F1). */
function describeUser(user: IdpUser) {
  return { ...publicUser(user), serviceAccount: serviceAccountPreview(user) };
}

export function adminApi(o: { directory: UserDirectory; serviceProviders: ServiceProviderRegistry; adminToken: string | undefined; logger: Logger }): Router {
  const router = express.Router();
  router.use(requireToken(o.adminToken));
  router.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  router.use(express.text({ limit: '1mb', type: ['application/samlmetadata+xml', 'application/xml', 'text/xml'] }));

  router.get('/users', (_req, res) => {
    res.json({ users: o.directory.list().map(describeUser) });
  });

  router.get('/users/:username', (req, res) => {
    const user = o.directory.get(req.params.username!);
    if (!user) return sendError(res, 404, 'not found', `no user ${req.params.username}`);
    res.json({ user: describeUser(user) });
  });

  router.patch('/users/:username', (req, res) => {
    if (!o.directory.get(req.params.username!)) return sendError(res, 404, 'not found', `no user ${req.params.username}`);
    const parsed = patchUserSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'invalid request', zodDetail(parsed.error));
    const user = o.directory.update(req.params.username!, parsed.data)!;
    o.logger.info({ event: 'idp.user.updated', username: user.username, attributes: Object.keys(parsed.data.attributes ?? {}), faults: parsed.data.faults }, 'IdP user updated');
    res.json({ user: describeUser(user) });
  });

  router.get('/service-providers', (_req, res) => {
    res.json({ serviceProviders: o.serviceProviders.list().map(describeServiceProvider) });
  });

  router.post('/service-providers', (req, res) => {
    let xml: string;
    if (typeof req.body === 'string') xml = req.body;
    else {
      const parsed = spJsonSchema.safeParse(req.body);
      if (!parsed.success) return sendError(res, 400, 'invalid request', `send SP metadata as application/samlmetadata+xml or JSON {"metadata":"<xml>"} (${zodDetail(parsed.error)})`);
      xml = parsed.data.metadata;
    }
    let sp;
    try {
      sp = parseSpMetadata(xml);
    } catch (err) {
      if (err instanceof MetadataError) return sendError(res, 400, 'invalid metadata', err.message);
      throw err;
    }
    const existed = o.serviceProviders.get(sp.entityId) !== undefined;
    o.serviceProviders.register(sp);
    o.logger.info({ event: 'idp.sp.registered', entityId: sp.entityId, acsUrl: sp.acsUrl, replaced: existed }, 'service provider registered');
    res.status(existed ? 200 : 201).json({ serviceProvider: describeServiceProvider(sp) });
  });

  router.use((_req, res) => sendError(res, 404, 'not found'));
  // Body-parser errors (bad JSON, too large) carry a 4xx status; anything else is a bug.
  router.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) o.logger.error({ err }, 'IdP admin API error');
    sendError(res, status, status === 500 ? 'internal error' : 'invalid request', status === 500 ? undefined : err.message);
  });
  return router;
}
