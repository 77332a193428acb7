/**
 * `samlgate login`: a scripted SAML login for CI, through the real gateway and the real IdP over
 * HTTP, exactly as a browser does it (src/client/saml-browser.ts). The IdP is not configured here:
 * it is wherever the gateway's /session redirect sends the browser. The result is the gateway
 * session cookie or, with `token`, a new user API token made through the session-authenticated API
 * (the same call the tokens page makes), so it follows rules S2-S4 like any other user token.
 */
import { REJECTION_CODES, type RejectionCode } from '../saml/rejection.ts';
import { BrowserError, hiddenFields, metaCsrfToken, SamlBrowser, type BrowserResponse } from './saml-browser.ts';

/** The gateway's session cookie (DESIGN 2b). */
const SESSION_COOKIE = 'samlgate_session';

export interface ScriptedLoginOptions {
  gatewayUrl: string;
  user: string;
  /** Default: the username (the embedded users' convention); pick-only users need none. */
  password?: string;
  /** Create a user token and return it instead of the cookie. */
  token?: boolean;
  description?: string;
}

export type ScriptedLoginResult =
  | { ok: true; user: string; cookie: string; token?: string }
  | { ok: false; code: string; reason: string };

const decode = (s: string) => s.replace(/&#(\d+);/g, (_m, n) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
const text = (htmlFragment: string) => decode(htmlFragment.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();

/** The <form> that holds the password field: the IdP's login form, whatever else the page carries. */
function loginForm(body: string): { action: string | undefined; body: string } | null {
  for (const m of body.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
    if (/name="password"/.test(m[0])) return { action: /\saction\s*=\s*"([^"]*)"/i.exec(m[0])?.[1], body: m[0] };
  }
  return null;
}

/** Why the login stopped on this page, in the words the page gives. */
function refusal(page: BrowserResponse, idpOrigin: string | null): { code: string; reason: string } {
  // With the gateway's SAML debug on, the page carries the code, the operator detail and the fix.
  const debug = /<strong><code>(E_[A-Z_]+)<\/code><\/strong>:\s*([\s\S]*?)<\/p>/.exec(page.body);
  if (debug && debug[1]! in REJECTION_CODES) {
    const fix = /<strong>Fix:<\/strong>\s*([\s\S]*?)<\/p>/.exec(page.body)?.[1];
    return { code: debug[1]!, reason: `the gateway refused the SAML response: ${REJECTION_CODES[debug[1] as RejectionCode]}: ${text(debug[2]!)}${fix ? ` (fix: ${text(fix)})` : ''}` };
  }
  const rejection = /\(code (E_[A-Z_]+)\)/.exec(page.body)?.[1];
  if (rejection && rejection in REJECTION_CODES) {
    return { code: rejection, reason: `the gateway refused the SAML response: ${REJECTION_CODES[rejection as RejectionCode]} (HTTP ${page.status}; the gateway log has the detail)` };
  }
  const origin = new URL(page.url).origin;
  if (origin === idpOrigin) {
    const alert = /role="alert"[^>]*>([\s\S]*?)<\//.exec(page.body)?.[1];
    if (page.status === 401 || alert) return { code: 'E_IDP_LOGIN', reason: `the IdP refused the login: ${alert ? text(alert) : `HTTP ${page.status}`}` };
    const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(page.body)?.[1];
    const para = /<p[^>]*>([\s\S]*?)<\/p>/i.exec(page.body.slice(page.body.indexOf('</h1>') + 1))?.[1];
    return { code: 'E_IDP', reason: `the IdP answered HTTP ${page.status}${heading ? `: ${text(heading)}` : ''}${para ? ` - ${text(para)}` : ''}` };
  }
  return { code: 'E_LOGIN', reason: `the login ended at ${page.url.split('?')[0]} with HTTP ${page.status}: ${text(page.body).slice(0, 200)}` };
}

export async function scriptedLogin(o: ScriptedLoginOptions): Promise<ScriptedLoginResult> {
  const browser = new SamlBrowser();
  const gateway = o.gatewayUrl.replace(/\/+$/, '');
  try {
    // /session redirects to the IdP the gateway trusts: that is how the IdP is discovered.
    let page = await browser.navigate('GET', `${gateway}/session?force=1`);
    const first = new URL(page.url).origin;
    const idpOrigin = first === new URL(gateway).origin ? null : first;
    const form = loginForm(page.body);
    if (form) {
      const action = new URL(decode(form.action ?? '/login'), page.url).href;
      page = await browser.navigate('POST', action, { form: { ...hiddenFields(form.body), username: o.user, password: o.password ?? o.user } });
    }
    const landed = new URL(page.url).origin;
    const cookie = browser.cookie(landed, SESSION_COOKIE);
    if (page.status !== 200 || landed === idpOrigin || !cookie) return { ok: false, ...refusal(page, idpOrigin) };

    // Signed in: who the gateway says we are (S5 may rename the user), and the page's CSRF token.
    const me = await browser.request('GET', `${landed}/api/v2/account/details`, { headers: { accept: 'application/vnd.api+json' } });
    if (me.status !== 200) return { ok: false, code: 'E_LOGIN', reason: `signed in, but GET /api/v2/account/details answered HTTP ${me.status}` };
    const account = JSON.parse(me.body) as { data: { id: string; attributes: { username: string } } };
    const user = account.data.attributes.username;
    const result: ScriptedLoginResult = { ok: true, user, cookie: `${SESSION_COOKIE}=${cookie}` };
    if (!o.token) return result;

    const csrf = metaCsrfToken((await browser.request('GET', `${landed}/`)).body);
    if (!csrf) return { ok: false, code: 'E_LOGIN', reason: 'signed in, but the account page carries no CSRF token' };
    const created = await browser.request('POST', `${landed}/api/v2/users/${encodeURIComponent(account.data.id)}/authentication-tokens`, {
      headers: { 'x-csrf-token': csrf, accept: 'application/vnd.api+json' },
      json: { data: { type: 'authentication-tokens', attributes: { description: o.description ?? 'samlgate login' } } },
    });
    if (created.status !== 201) {
      const detail = (() => { try { return (JSON.parse(created.body) as { errors?: { detail?: string }[] }).errors?.[0]?.detail; } catch { return undefined; } })();
      return { ok: false, code: 'E_TOKEN', reason: `the gateway did not create the token (HTTP ${created.status}${detail ? `: ${detail}` : ''})` };
    }
    return { ...result, token: (JSON.parse(created.body) as { data: { attributes: { token: string } } }).data.attributes.token };
  } catch (err) {
    if (err instanceof BrowserError) {
      // node's fetch trusts only its own CA list: the dev CA must be named at process start.
      const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(err.message) ? ' (the certificate is not trusted: with the dev CA, run with NODE_EXTRA_CA_CERTS=certs/dev-ca.pem)' : '';
      return { ok: false, code: 'E_CONNECT', reason: `${err.message}${hint}` };
    }
    throw err;
  }
}
