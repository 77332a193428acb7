/**
 * The /api/v2 route table (src/http/route-table.ts) answers every request exactly as express's
 * own Router mounted at the same path does: the same routes registered on both, the same
 * requests sent to both, the answers compared (status, body, what each handler saw).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express, { Router, type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import request from 'supertest';
import { RouteTable, type ApiRoutes } from '../../src/http/route-table.ts';

/** What a handler saw, as the answer's body. */
const seen = (name: string) => (req: Request, res: Response) => {
  res.json({ name, params: req.params, url: req.url, baseUrl: req.baseUrl, originalUrl: req.originalUrl, trail: res.locals.trail ?? [] });
};
const mark = (name: string) => (_req: Request, res: Response, next: NextFunction) => {
  (res.locals.trail ??= []).push(name);
  next();
};

/** One route set, registered through the interface the route modules use. */
function register(r: ApiRoutes): void {
  r.use(mark('prelude'));
  r.get('/ping', seen('ping'));
  r.all('/_sim/clock', seen('all-clock'));
  r.use((req: Request, res: Response, next: NextFunction) => {
    if (req.headers['x-deny'] === '1') return void res.status(401).json({ name: 'denied' });
    mark('principal')(req, res, next);
  });
  r.get('/account/details', seen('details'));
  r.get('/users/:id', seen('user'));
  // Two routes on one path: the first passes on what is not its own.
  r.get('/authentication-tokens/:id', (req: Request, res: Response, next: NextFunction) => (String(req.params.id).startsWith('at-') ? seen('user-token')(req, res) : next()));
  r.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    (res.locals.trail ??= []).push(`admin-gate ${req.url} ${req.baseUrl}`);
    next();
  });
  r.get('/admin/users/:id', seen('admin-user'));
  r.post('/organizations/:name/teams', mark('body'), seen('create-team'));
  r.get('/organizations/:name', (_req: Request, _res: Response, next: NextFunction) => next('route'), seen('never'));
  r.get('/organizations/:name', seen('organization'));
  r.get('/throws', () => {
    throw Object.assign(new Error('sync boom'), { status: 418 });
  });
  r.get('/rejects', async () => {
    throw Object.assign(new Error('async boom'), { status: 409 });
  });
  r.get('/leave', (_req: Request, _res: Response, next: NextFunction) => next('router'));
  r.get('/authentication-tokens/:id', seen('agent-token'));
  r.get('/files/:name.json', seen('dotted'));
  r.use((req: Request, res: Response) => void res.status(404).json({ name: 'not-found', url: req.url, trail: res.locals.trail ?? [] }));
}

function appWith(mount: (app: express.Express) => void) {
  const app = express();
  app.set('etag', false);
  mount(app);
  app.use((req, res) => void res.status(404).json({ name: 'app-not-found', url: req.url }));
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    res.status(typeof err.status === 'number' ? err.status : 500).json({ error: String(err.message), url: req.url, baseUrl: req.baseUrl });
  };
  app.use(onError);
  return app;
}

const viaExpress = appWith((app) => {
  const r = Router();
  register(r);
  app.use('/api/v2', r);
});
const viaTable = appWith((app) => {
  const t = new RouteTable();
  register(t.routes);
  app.use(t.mountAt('/api/v2'));
});

const CASES: Array<[method: 'get' | 'post' | 'head' | 'put' | 'delete' | 'options' | 'patch', url: string, headers?: Record<string, string>]> = [
  ['get', '/api/v2/ping'],
  ['head', '/api/v2/ping'],
  ['post', '/api/v2/ping'],
  ['get', '/api/v2/account/details'],
  ['get', '/api/v2/account/details', { 'x-deny': '1' }],
  ['get', '/api/v2/account/details/'],
  ['get', '/API/V2/Account/Details'],
  ['get', '/api/v2/account/details?include=x&a[b]=1'],
  ['get', '/api/v2/account/details/more'],
  ['get', '/api/v2/account'],
  ['head', '/api/v2/account/details'],
  ['options', '/api/v2/account/details'],
  ['delete', '/api/v2/account/details'],
  ['get', '/api/v2/users/user-Abc'],
  ['get', '/api/v2/users/a%2Fb%20c'],
  ['get', '/api/v2/users/%E0%A4%A'],
  ['get', '/api/v2/users/'],
  ['get', '/api/v2/users/a/b'],
  ['get', '/api/v2/authentication-tokens/at-1'],
  ['get', '/api/v2/authentication-tokens/agent-1'],
  ['get', '/api/v2/admin/users/u1'],
  ['get', '/API/v2/ADMIN/users/u1'],
  ['get', '/api/v2/admin'],
  ['get', '/api/v2/administrator/users/u1'],
  ['post', '/api/v2/organizations/acme/teams'],
  ['get', '/api/v2/organizations/acme'],
  ['get', '/api/v2/organizations/acme/teams'],
  ['get', '/api/v2/throws'],
  ['get', '/api/v2/rejects'],
  ['get', '/api/v2/leave'],
  ['get', '/api/v2/_sim/clock'],
  ['put', '/api/v2/_sim/clock'],
  ['patch', '/api/v2/_sim/clock/'],
  ['get', '/api/v2/files/state.json'],
  ['get', '/api/v2/files/state.txt'],
  ['get', '/api/v2'],
  ['get', '/api/v2/'],
  ['get', '/api/v2?x=1'],
  ['get', '/api/v20/ping'],
  ['get', '/api/v2ping'],
  ['get', '/api'],
  ['get', '/elsewhere'],
  ['get', '/api/v2//ping'],
];

describe('the /api/v2 route table answers as express Router does', () => {
  for (const [method, url, headers] of CASES) {
    it(`${method.toUpperCase()} ${url}${headers ? ` ${JSON.stringify(headers)}` : ''}`, async () => {
      const send = (app: express.Express) => request(app)[method](url).set(headers ?? {});
      const [want, got] = await Promise.all([send(viaExpress), send(viaTable)]);
      assert.equal(got.status, want.status, `status (express answered ${String(want.text ?? "").slice(0, 200)})`);
      assert.deepEqual(got.body, want.body);
      assert.equal(got.headers['allow'], want.headers['allow']);
      assert.equal(got.headers['content-length'], want.headers['content-length']);
    });
  }
});

/** GET with an absolute-form target (what a client talking to a proxy sends); supertest sends origin-form only. */
async function getAbsolute(app: express.Express, target: (port: number) => string): Promise<{ status: number; body: unknown }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: target(port), headers: { host: `127.0.0.1:${port}` } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text.replaceAll(String(port), 'PORT')) }));
        })
        .on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('absolute-form targets are routed by their path, as express routes them (regression: the table sent them to the app\'s 404)', () => {
  for (const path of ['/api/v2/account/details', '/api/v2/users/u%201?x=1', '/api/v2/admin/users/u1', '/api/v2', '/api/v2?x=1', '/api/v20/ping']) {
    it(`GET http://127.0.0.1:PORT${path}`, async () => {
      const target = (port: number) => `http://127.0.0.1:${port}${path}`;
      const [want, got] = await Promise.all([getAbsolute(viaExpress, target), getAbsolute(viaTable, target)]);
      assert.deepEqual(got, want);
    });
  }
});

describe('the route table refuses what it does not implement, at registration', () => {
  it('error-handling middleware (four arguments) belongs to the app', () => {
    const t = new RouteTable();
    assert.throws(() => t.use(((_e: unknown, _q: Request, _s: Response, _n: NextFunction) => undefined) as unknown as RequestHandler), /error-handling middleware/);
  });
  it('a route needs a string path and a handler', () => {
    const t = new RouteTable();
    assert.throws(() => t.get('/x'), /no handler/);
    assert.throws(() => (t as unknown as { get(p: RegExp, h: () => void): void }).get(/x/, () => undefined), /string path/);
  });
});
