/**
 * The IdP's admin pages (/directory, /admin sign-in; the inspector's /responses is
 * inspector-routes.ts). Thin handlers: CSRF and the admin check, zod validation, a directory call,
 * a redirect back to the page (POST/redirect/GET).
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { FAULT_NAMES, userSchema } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Certificate } from '../saml/keys.ts';
import type { AdminAuth } from './admin-auth.ts';
import { directoryPage } from './admin-views.ts';
import type { CsrfGuard } from './csrf.ts';
import type { UserDirectory } from './directory.ts';
import type { ResponseRing } from './inspector.ts';
import { serviceAccountPreview } from './preview.ts';
import type { ServiceProviderRegistry } from './service-providers.ts';
import { adminSignInPage } from './views.ts';

export interface AdminPagesDeps {
  directory: UserDirectory;
  serviceProviders: ServiceProviderRegistry;
  ring: ResponseRing;
  admin: AdminAuth;
  csrf: CsrfGuard;
  clock: Clock;
  logger: Logger;
  signingCertificates: readonly Certificate[];
  csrfRefused: (req: Request, res: Response) => boolean;
}

const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
const html = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);

/** Only local paths after sign-in (no open redirect). */
const safeNext = (v: unknown) => (typeof v === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(v) ? v : '/directory');

const addUserForm = z.object({
  username: z.string(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  password: z.string().optional(),
  memberOf: z.string().optional(),
  isServiceAccount: z.literal('true').optional(),
});

/** Admin pages need the admin token when one is set; browsers sign in once at /admin. */
export function requireAdminFor(d: Pick<AdminPagesDeps, 'admin' | 'csrf'>) {
  return function requireAdmin(req: Request, res: Response, next: () => void) {
    if (d.admin.allows(req)) return next();
    html(res, 401, adminSignInPage({ csrf: d.csrf.token(req, res), next: req.originalUrl }));
  };
}

export function adminPages(d: AdminPagesDeps): Router {
  const router = express.Router();
  const requireAdmin = requireAdminFor(d);

  const renderDirectory = (req: Request, res: Response, status: number, o: { notice?: string; error?: string } = {}) =>
    html(res, status, directoryPage({ users: d.directory.list().map((user) => ({ user, serviceAccount: serviceAccountPreview(user) })), serviceProviders: d.serviceProviders.list(), csrf: d.csrf.token(req, res), ...o }));

  router.get('/admin', (req, res) => {
    if (d.admin.allows(req)) return res.redirect(303, '/directory');
    html(res, 200, adminSignInPage({ csrf: d.csrf.token(req, res), next: '/directory' }));
  });

  router.post('/admin/sign-in', form, (req, res) => {
    if (d.csrfRefused(req, res)) return;
    const next = safeNext(req.body?.next);
    if (!d.admin.required) return res.redirect(303, next);
    if (typeof req.body?.token !== 'string' || !d.admin.matches(req.body.token)) {
      d.logger.warn({ event: 'idp.admin.sign-in.failed' }, 'IdP admin sign-in failed');
      return html(res, 401, adminSignInPage({ csrf: d.csrf.token(req, res), next, error: 'That is not the admin token this IdP was started with (--idp-admin-token).' }));
    }
    d.admin.signIn(res);
    res.redirect(303, next);
  });

  router.get('/directory', requireAdmin, (req, res) => renderDirectory(req, res, 200, { notice: typeof req.query.done === 'string' ? req.query.done.slice(0, 200) : undefined }));

  const done = (res: Response, message: string) => res.redirect(303, `/directory?done=${encodeURIComponent(message)}`);

  router.post('/directory/users', form, requireAdmin, (req, res) => {
    if (d.csrfRefused(req, res)) return;
    const f = addUserForm.safeParse(req.body);
    if (!f.success) return renderDirectory(req, res, 400, { error: 'The form is incomplete: a username is required.' });
    const memberOf = (f.data.memberOf ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const parsed = userSchema.safeParse({
      username: f.data.username.trim(),
      ...(f.data.displayName?.trim() ? { displayName: f.data.displayName.trim() } : {}),
      ...(f.data.email?.trim() ? { email: f.data.email.trim() } : {}),
      ...(f.data.password ? { password: f.data.password } : {}),
      attributes: { ...(memberOf.length ? { MemberOf: memberOf } : {}), ...(f.data.isServiceAccount ? { IsServiceAccount: true } : {}) },
    });
    if (!parsed.success) return renderDirectory(req, res, 400, { error: `Cannot add that user: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    if (d.directory.get(parsed.data.username)) return renderDirectory(req, res, 409, { error: `There is already a user ${parsed.data.username}: pick another username, or remove that user first.` });
    d.directory.upsert(parsed.data);
    d.logger.info({ event: 'idp.user.added', username: parsed.data.username }, 'IdP user added');
    done(res, `Added ${parsed.data.username}.`);
  });

  const withUser = (handler: (req: Request, res: Response, username: string) => void) => (req: Request, res: Response) => {
    if (d.csrfRefused(req, res)) return;
    const username = String(req.params.username);
    if (!d.directory.get(username)) return renderDirectory(req, res, 404, { error: `There is no user ${username} (any more): nothing changed.` });
    handler(req, res, username);
  };

  router.post(
    '/directory/users/:username/service-account',
    form,
    requireAdmin,
    withUser((req, res, username) => {
      const value = req.body?.value === 'true';
      d.directory.update(username, { attributes: { IsServiceAccount: value } });
      d.logger.info({ event: 'idp.user.updated', username, attributes: ['IsServiceAccount'] }, 'IdP user updated');
      done(res, `${username}: IsServiceAccount is now ${value} in their next assertion (the gateway reads it at their next login).`);
    }),
  );

  router.post(
    '/directory/users/:username/next-faults',
    form,
    requireAdmin,
    withUser((req, res, username) => {
      const fault = req.body?.fault;
      const count = Number.parseInt(String(req.body?.count ?? '1'), 10);
      if (fault === '' || fault === undefined) {
        d.directory.update(username, { nextFaults: null });
        return done(res, `${username}: no more one-off faults.`);
      }
      if (!(FAULT_NAMES as readonly string[]).includes(fault) || !Number.isInteger(count) || count < 1 || count > 1000) {
        return renderDirectory(req, res, 400, { error: 'Pick a fault from the list and a count between 1 and 1000.' });
      }
      d.directory.update(username, { nextFaults: { faults: [fault], remaining: count } });
      done(res, `${username}: the next ${count} response(s) get ${fault}.`);
    }),
  );

  router.post(
    '/directory/users/:username/delete',
    form,
    requireAdmin,
    withUser((_req, res, username) => {
      d.directory.remove(username);
      d.logger.info({ event: 'idp.user.removed', username }, 'IdP user removed');
      done(res, `Removed ${username}.`);
    }),
  );

  return router;
}
