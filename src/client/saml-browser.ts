/**
 * A scripted browser for SAML flows over real HTTP (fetch): per-origin cookie jar, manual
 * redirects, and the HTTP-POST binding's auto-submitting form. Used by `samlgate demo` (and,
 * later, `samlgate login`) so scripts log in exactly the way a person's browser does.
 */
import { SamlgateError } from '../errors.ts';

export class BrowserError extends SamlgateError {
  readonly code = 'ERR_BROWSER';
  readonly kind = 'runtime';
}

interface Cookie {
  name: string;
  value: string;
}

export interface BrowserResponse {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

export class SamlBrowser {
  /** origin (scheme://host:port) -> cookie name -> cookie. Ports matter to us: IdP and gateway are separate apps. */
  private jar = new Map<string, Map<string, Cookie>>();

  private cookieHeader(url: URL): string | undefined {
    const cookies = this.jar.get(url.origin);
    if (!cookies || cookies.size === 0) return undefined;
    return [...cookies.values()].map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private storeCookies(url: URL, headers: Headers) {
    const setCookies = headers.getSetCookie?.() ?? [];
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq < 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let cookies = this.jar.get(url.origin);
      if (!cookies) this.jar.set(url.origin, (cookies = new Map()));
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()) || attrs.some((a) => /^\s*max-age=0/i.test(a));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, { name, value });
    }
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(new URL(origin).origin)?.get(name)?.value;
  }

  /** One request, no redirect following. */
  async request(method: string, url: string, o: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {}): Promise<BrowserResponse> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...o.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (o.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(o.form).toString();
    } else if (o.json !== undefined) {
      headers['content-type'] = 'application/vnd.api+json';
      body = JSON.stringify(o.json);
    }
    let res: Response;
    try {
      res = await fetch(target, { method, headers, body, redirect: 'manual' });
    } catch (err) {
      throw new BrowserError(`${method} ${target.href} failed: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
    }
    this.storeCookies(target, res.headers);
    return { status: res.status, url: target.href, headers: res.headers, body: await res.text() };
  }

  /** Follows redirects and auto-posting SAML forms until a page that needs a person (or the end). */
  async navigate(method: string, url: string, o: { form?: Record<string, string> } = {}, maxHops = 15): Promise<BrowserResponse> {
    let res = await this.request(method, url, o);
    for (let hop = 0; hop < maxHops; hop++) {
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        res = await this.request('GET', new URL(location, res.url).href);
        continue;
      }
      const autoPost = parseAutoPostForm(res.body);
      if (res.status === 200 && autoPost) {
        res = await this.request('POST', new URL(autoPost.action, res.url).href, { form: autoPost.fields });
        continue;
      }
      return res;
    }
    throw new BrowserError(`too many redirects starting at ${url}`);
  }
}

const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!;
  });

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return m ? decodeEntities(m[1]!) : undefined;
}

/** The HTTP-POST binding's form: a <form method="post"> carrying SAMLResponse or SAMLRequest. */
export function parseAutoPostForm(body: string): { action: string; fields: Record<string, string> } | null {
  if (!/name="SAML(Response|Request)"/.test(body)) return null;
  const formTag = /<form\b[^>]*>/i.exec(body)?.[0];
  if (!formTag) return null;
  return { action: attr(formTag, 'action') ?? '', fields: hiddenFields(body) };
}

export function hiddenFields(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name');
    const type = attr(m[0], 'type');
    if (name && (type === 'hidden' || type === undefined)) fields[name] = attr(m[0], 'value') ?? '';
  }
  return fields;
}

export function metaCsrfToken(body: string): string | undefined {
  const m = /<meta\s+name="csrf-token"\s+content="([^"]*)"/i.exec(body);
  return m ? decodeEntities(m[1]!) : undefined;
}

/**
 * SP-initiated login through the gateway and the IdP's form, the way a person does it. Returns
 * the landing page; the gateway session cookie is then in the jar.
 */
export async function loginThroughGateway(browser: SamlBrowser, gatewayUrl: string, username: string, password: string): Promise<BrowserResponse> {
  let page = await browser.navigate('GET', `${gatewayUrl}/session?force=1`);
  if (/name="password"/.test(page.body)) {
    const form = /<form\b[^>]*>/i.exec(page.body)?.[0] ?? '';
    const action = new URL(attr(form, 'action') ?? '/login', page.url).href;
    page = await browser.navigate('POST', action, { form: { ...hiddenFields(page.body), username, password } });
  }
  if (page.status !== 200 || !page.url.startsWith(gatewayUrl)) {
    throw new BrowserError(`login of ${username} did not reach the gateway (ended at ${page.url} with HTTP ${page.status})`);
  }
  return page;
}
