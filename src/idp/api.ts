/**
 * The IdP's admin JSON API (DESIGN 2b; every route in docs/idp.md): open by default (a local
 * test tool), bearer-token protected when `idp.adminToken` is set (admin-auth.ts decides).
 * Handlers validate with zod, call the directory or the SP registry, and answer JSON; errors use
 * the `{"errors":[{status,title,detail}]}` shape.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { attributeRecord, FAULT_NAMES, spSettingsSchema, userSchema, xmlText } from '../config.ts';
import type { Logger } from '../log.ts';
import { MetadataError } from '../saml/metadata.ts';
import type { AdminAuth } from './admin-auth.ts';
import { publicUser, type IdpUser, type UserDirectory } from './directory.ts';
import type { ResponseRing } from './inspector.ts';
import { serviceAccountPreview } from './preview.ts';
import { describeServiceProvider, spFromMetadata, type ServiceProviderRegistry } from './service-providers.ts';

export function sendError(res: Response, status: number, title: string, detail?: string): void {
  res.status(status).type('application/json').send(JSON.stringify({ errors: [{ status: String(status), title, ...(detail ? { detail } : {}) }] }));
}

/** Each issue as `path: message`; a bad record key (an attribute name) names the key and why. */
function zodDetail(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const inner = i.code === 'invalid_key' ? (i as { issues?: { message: string }[] }).issues?.[0]?.message : undefined;
      return `${i.path.length ? i.path.map((p) => JSON.stringify(String(p)).slice(1, -1)).join('.') : 'body'}: ${inner ? `the key is refused: ${inner}` : i.message}`;
    })
    .join('; ');
}

/**
 * `nextFaults`: faults for the next `count` responses for this user only, on top of the standing
 * `faults`; each issued response counts down, and at 0 they are gone. `null` cancels.
 */
const nextFaultsSchema = z.union([z.null(), z.strictObject({ faults: z.array(z.enum(FAULT_NAMES)).min(1), count: z.number().int().min(1).max(1000) })]);

const patchUserSchema = z
  .strictObject({
    attributes: attributeRecord(z.union([xmlText, z.boolean(), z.number(), z.array(xmlText), z.null()])).optional(),
    faults: z.array(z.enum(FAULT_NAMES)).optional(),
    nextFaults: nextFaultsSchema.optional(),
  })
  .refine((b) => b.attributes !== undefined || b.faults !== undefined || b.nextFaults !== undefined, 'send "attributes", "faults" and/or "nextFaults"');

const spJsonSchema = z.strictObject({ metadata: z.string().min(1), settings: spSettingsSchema.optional() });

/** The user as the admin API shows it, with the gateway's reading of IsServiceAccount (rule F1). */
function describeUser(user: IdpUser) {
  return { ...publicUser(user), serviceAccount: serviceAccountPreview(user) };
}

export function adminApi(o: { directory: UserDirectory; serviceProviders: ServiceProviderRegistry; ring: ResponseRing; admin: AdminAuth; logger: Logger }): Router {
  const router = express.Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (o.admin.allows(req)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="samlgate-idp"');
    sendError(res, 401, 'unauthorized', 'send Authorization: Bearer <idp admin token>');
  });
  router.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  router.use(express.text({ limit: '1mb', type: ['application/samlmetadata+xml', 'application/xml', 'text/xml'] }));

  router.get('/users', (_req, res) => {
    res.json({ users: o.directory.list().map(describeUser) });
  });

  router.post('/users', (req, res) => {
    const parsed = userSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'invalid request', zodDetail(parsed.error));
    if (o.directory.get(parsed.data.username)) return sendError(res, 409, 'conflict', `user ${parsed.data.username} exists; change it with PATCH /api/users/${parsed.data.username} or DELETE it first`);
    const user = o.directory.upsert(parsed.data);
    o.logger.info({ event: 'idp.user.added', username: user.username }, 'IdP user added');
    res.status(201).json({ user: describeUser(user) });
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
    const { nextFaults, ...rest } = parsed.data;
    const user = o.directory.update(req.params.username!, {
      ...rest,
      ...(nextFaults !== undefined ? { nextFaults: nextFaults === null ? null : { faults: nextFaults.faults, remaining: nextFaults.count } } : {}),
    })!;
    o.logger.info({ event: 'idp.user.updated', username: user.username, attributes: Object.keys(parsed.data.attributes ?? {}), faults: parsed.data.faults, nextFaults }, 'IdP user updated');
    res.json({ user: describeUser(user) });
  });

  router.delete('/users/:username', (req, res) => {
    if (!o.directory.remove(req.params.username!)) return sendError(res, 404, 'not found', `no user ${req.params.username}`);
    o.logger.info({ event: 'idp.user.removed', username: req.params.username }, 'IdP user removed');
    res.status(204).end();
  });

  router.get('/service-providers', (_req, res) => {
    res.json({ serviceProviders: o.serviceProviders.list().map(describeServiceProvider) });
  });

  router.post('/service-providers', (req, res) => {
    let xml: string;
    let settings = {};
    if (typeof req.body === 'string') xml = req.body;
    else {
      const parsed = spJsonSchema.safeParse(req.body);
      if (!parsed.success) return sendError(res, 400, 'invalid request', `send SP metadata as application/samlmetadata+xml or JSON {"metadata":"<xml>","settings":{...}} (${zodDetail(parsed.error)})`);
      xml = parsed.data.metadata;
      settings = parsed.data.settings ?? {};
    }
    let def;
    try {
      def = spFromMetadata(xml, settings, 'api');
    } catch (err) {
      if (err instanceof MetadataError) return sendError(res, 400, 'invalid metadata', err.message);
      throw err;
    }
    const existed = o.serviceProviders.get(def.entityId) !== undefined;
    const sp = o.serviceProviders.register(def);
    o.logger.info({ event: 'idp.sp.registered', entityId: sp.entityId, acsUrl: sp.acsUrl, replaced: existed }, 'service provider registered');
    res.status(existed ? 200 : 201).json({ serviceProvider: describeServiceProvider(sp) });
  });

  router.get('/service-providers/:entityId', (req, res) => {
    const sp = o.serviceProviders.get(req.params.entityId!);
    if (!sp) return sendError(res, 404, 'not found', `no service provider ${req.params.entityId} (URL-encode the entity ID)`);
    res.json({ serviceProvider: describeServiceProvider(sp) });
  });

  router.patch('/service-providers/:entityId', (req, res) => {
    if (!o.serviceProviders.get(req.params.entityId!)) return sendError(res, 404, 'not found', `no service provider ${req.params.entityId} (URL-encode the entity ID)`);
    const parsed = spSettingsSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'invalid request', zodDetail(parsed.error));
    const sp = o.serviceProviders.updateSettings(req.params.entityId!, parsed.data)!;
    if (sp.settings.encryptAssertion && !sp.encryptionCertificate) {
      o.serviceProviders.updateSettings(sp.entityId, { encryptAssertion: false });
      return sendError(res, 400, 'invalid request', `encryptAssertion: ${sp.entityId} has no encryption certificate; register metadata with a KeyDescriptor use="encryption" first`);
    }
    o.logger.info({ event: 'idp.sp.updated', entityId: sp.entityId, settings: Object.keys(parsed.data) }, 'service provider settings changed');
    res.json({ serviceProvider: describeServiceProvider(sp) });
  });

  router.delete('/service-providers/:entityId', (req, res) => {
    const sp = o.serviceProviders.get(req.params.entityId!);
    if (!sp) return sendError(res, 404, 'not found', `no service provider ${req.params.entityId}`);
    if (sp.source === 'gateway') return sendError(res, 409, 'conflict', 'the gateway is always registered');
    o.serviceProviders.remove(sp.entityId);
    res.status(204).end();
  });

  /** The inspector's data for scripts: newest first, XML as sent. */
  router.get('/responses', (_req, res) => {
    res.json({
      responses: o.ring.list().map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), kind: r.kind, sp: r.sp, username: r.username, inResponseTo: r.inResponseTo, faults: r.faults, encryption: r.encryption, xml: r.xml })),
    });
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
