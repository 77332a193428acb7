/**
 * Micro-benchmark of routing alone: express's Router mounted at /api/v2 against the route table
 * (src/http/route-table.ts), the same layer shape as the gateway's API (a prelude, /ping, the
 * sim-clock routes, the principal, then ~180 routes), in one process, no HTTP. Each handler
 * answers at once, so what is measured is the app entry plus the walk to the route.
 *
 *   node --import tsx bench/route-table.ts
 *
 * Prints `route-table <url>: ... ratio X` (express's time per request over the table's; > 1 is
 * the table faster), medians of alternating rounds.
 */
import express, { Router, type Request, type Response, type NextFunction } from 'express';
import { RouteTable, type ApiRoutes } from '../src/http/route-table.ts';
import { median } from './lib.ts';

type Done = Response & { done(): void };
const pass = (_q: Request, _s: Response, n: NextFunction) => n();
const answer = (_q: Request, s: Response) => (s as Done).done();

function build(r: ApiRoutes) {
  r.use(pass);
  r.get('/ping', answer);
  r.all('/_sim/clock', answer);
  r.use(pass);
  r.get('/account/details', answer);
  for (let i = 0; i < 180; i++) r.get(`/r${i}/:id`, answer);
  r.use(answer);
}

const viaRouter = express();
const router = Router();
build(router);
viaRouter.use(pass);
viaRouter.use('/api/v2', router);
const viaTable = express();
const table = new RouteTable();
build(table.routes);
viaTable.use(pass);
viaTable.use(table.mountAt('/api/v2'));

async function usPerRequest(app: express.Express, n: number, url: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve) => {
      const req = { method: 'GET', url, headers: {} };
      const res = { done: resolve, setHeader() {}, getHeader() {}, locals: {} };
      (app as unknown as { handle(q: unknown, s: unknown, out: () => void): void }).handle(req, res, resolve);
    });
  }
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}

for (const url of ['/api/v2/account/details', '/api/v2/r170/x']) {
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < 5; round++) {
    a.push(await usPerRequest(viaRouter, 50_000, url));
    b.push(await usPerRequest(viaTable, 50_000, url));
  }
  console.log(`route-table ${url}: express Router ${median(a).toFixed(1)} us, route table ${median(b).toFixed(1)} us per request -> ratio ${(median(a) / median(b)).toFixed(2)}`);
}
