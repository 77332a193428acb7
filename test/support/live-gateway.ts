/**
 * The real IdP and gateway (the same startServices `samlgate start` uses) on real sockets,
 * 127.0.0.1 and ephemeral ports, with the system clock and the in-memory store or a fresh data
 * directory, for clients we do not control (go-tfe's compiled tests, npm API clients).
 *
 * A recording reverse proxy sits in front of the gateway and is the gateway's public base URL,
 * so every request a client makes, including the absolute capability URLs the gateway hands
 * out (upload, download, logs), passes through it and is recorded: method, path, bodies (token
 * secrets blanked) and status. Requests are attributed to a "lane" by their bearer token, so
 * several clients can run at once and each failure still shows its own requests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices, type Services } from '../../src/server.ts';
import { loginThroughGateway, metaCsrfToken, SamlBrowser } from '../../src/client/saml-browser.ts';
import { freePort } from '../../src/util/free-port.ts';

export interface RecordedRequest {
  seq: number;
  lane: string | undefined;
  /** What the lane was doing when the request arrived (e.g. the Go (sub)test running). */
  during: string | undefined;
  method: string;
  path: string;
  requestBody: string;
  status: number;
  responseBody: string;
}

export interface LiveGateway {
  /** Public gateway URL (the recording proxy). */
  url: string;
  idpUrl: string;
  services: Services;
  requests: RecordedRequest[];
  /** Requests carrying this bearer secret are recorded under `lane`. */
  assignLane(secret: string, lane: string): void;
  /** Sets what a lane is doing now; later requests of that lane are recorded with it. */
  setActivity(lane: string, during: string | undefined): void;
  /** A user's API token, obtained through a real SAML login and the session-authenticated API. */
  userToken(username: string, description?: string): Promise<{ userId: string; secret: string }>;
  close(): Promise<void>;
}

const BODY_LIMIT = 1500;

/** Blanks token secrets (TFE format `<14>.atlasv1.<67>`, and any JSON `"token"` value). */
export function redactSecrets(text: string): string {
  return text
    .replace(/"token"\s*:\s*"[^"]*"/g, '"token":"[secret]"')
    .replace(/[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{20,}/g, '[secret]');
}

function bodyText(chunks: Buffer[], contentType: string | undefined): string {
  const buf = Buffer.concat(chunks);
  if (buf.length === 0) return '';
  if (contentType && !/json|text|xml|x-www-form-urlencoded/i.test(contentType)) return `<${buf.length} bytes of ${contentType}>`;
  const text = redactSecrets(buf.toString('utf8'));
  return text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT)}… (${buf.length} bytes)` : text;
}

export interface LiveGatewayOptions {
  /** 'memory' (`--data :memory:`), or 'directory': a fresh temporary `--data` directory, the
   * durable store users get by default; removed on close. */
  store?: 'memory' | 'directory';
}

export async function startLiveGateway(o: LiveGatewayOptions = {}): Promise<LiveGateway> {
  const dataDir = o.store === 'directory' ? await mkdtemp(path.join(os.tmpdir(), 'samlgate-live-')) : undefined;
  const proxyPort = await freePort();
  const gatewayPort = await freePort();
  const url = `http://127.0.0.1:${proxyPort}`;
  const config = resolveConfig({}, {
    clock: 'system',
    data: dataDir ? path.join(dataDir, 'data') : ':memory:',
    host: '127.0.0.1',
    'idp.port': await freePort(),
    'gateway.port': gatewayPort,
    'gateway.baseUrl': url,
  });
  const services = await startServices(config, { idp: true, gateway: true }, { logger: silentLogger });

  const lanes = new Map<string, string>();
  const activity = new Map<string, string | undefined>();
  const requests: RecordedRequest[] = [];
  let seq = 0;
  const upstream = new http.Agent({ keepAlive: true });

  const proxy = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? (req.headers['x-atlas-token'] ? `Bearer ${req.headers['x-atlas-token']}` : undefined);
    const lane = auth?.startsWith('Bearer ') ? lanes.get(auth.slice(7)) : undefined;
    const entry: RecordedRequest = {
      seq: ++seq,
      lane,
      during: lane ? activity.get(lane) : undefined,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      requestBody: '',
      status: 0,
      responseBody: '',
    };
    const reqChunks: Buffer[] = [];
    // The body is read first so the request can be sent again: the gateway may close an idle
    // keep-alive socket just as the proxy reuses it (ECONNRESET on a reused socket; Node's docs,
    // `request.reusedSocket`), which is a race of the proxy, not an answer of the gateway.
    const forward = (body: Buffer, retried: boolean) => {
      const up = http.request({ host: '127.0.0.1', port: gatewayPort, method: req.method, path: req.url, headers: req.headers, agent: upstream }, (upRes) => {
        entry.status = upRes.statusCode ?? 0;
        res.writeHead(entry.status, upRes.headers);
        const resChunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => resChunks.push(c));
        upRes.on('end', () => {
          entry.responseBody = bodyText(resChunks, upRes.headers['content-type']);
        });
        upRes.pipe(res);
      });
      up.on('error', (err: NodeJS.ErrnoException) => {
        if (!retried && up.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) return forward(body, true);
        entry.status = 502;
        entry.responseBody = `proxy: ${err.message}`;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`recording proxy could not reach the gateway: ${err.message}`);
      });
      up.end(body);
    };
    req.on('data', (c: Buffer) => reqChunks.push(c));
    req.on('end', () => {
      entry.requestBody = bodyText(reqChunks, req.headers['content-type']);
      forward(Buffer.concat(reqChunks), false);
    });
    requests.push(entry);
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(proxyPort, '127.0.0.1', () => resolve());
  });
  if ((proxy.address() as AddressInfo).port !== proxyPort) throw new Error('proxy port changed');

  return {
    url,
    idpUrl: config.idp.baseUrl,
    services,
    requests,
    assignLane(secret, lane) {
      lanes.set(secret, lane);
    },
    setActivity(lane, during) {
      activity.set(lane, during);
    },
    async userToken(username, description = 'interop tests') {
      const browser = new SamlBrowser();
      const page = await loginThroughGateway(browser, url, username, username);
      const csrf = metaCsrfToken(page.body);
      if (!csrf) throw new Error(`no CSRF token on the page after ${username}'s login (HTTP ${page.status} ${page.url})`);
      const me = await browser.request('GET', `${url}/api/v2/account/details`);
      if (me.status !== 200) throw new Error(`account/details after ${username}'s login: HTTP ${me.status} ${me.body.slice(0, 300)}`);
      const userId = JSON.parse(me.body).data.id as string;
      const res = await browser.request('POST', `${url}/api/v2/users/${userId}/authentication-tokens`, {
        json: { data: { type: 'authentication-tokens', attributes: { description } } },
        headers: { 'x-csrf-token': csrf },
      });
      if (res.status !== 201) throw new Error(`creating ${username}'s token: HTTP ${res.status} ${res.body.slice(0, 300)}`);
      return { userId, secret: JSON.parse(res.body).data.attributes.token as string };
    },
    async close() {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      });
      upstream.destroy();
      await services.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
