/**
 * The test IdP's HTML: small, self-contained (no external assets), every value escaped, and
 * each page marked as a test tool so nobody mistakes it for a real login page.
 */
import { escapeXml as esc } from '../saml/xml.ts';
import type { IdpUser } from './directory.ts';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}
.banner{background:#fff3cd;border:1px solid #e0c36b;padding:.5rem .75rem;border-radius:4px;font-size:.9rem}
.error{background:#f8d7da;border:1px solid #e4a1a8;padding:.5rem .75rem;border-radius:4px}
label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.4rem 1rem}.pick button{margin-right:.5rem}code{background:#f3f3f3;padding:0 .2rem}`;

export function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)} · samlgate test IdP</title><style>${STYLE}</style></head>
<body><p class="banner" id="test-idp-marker"><strong>samlgate test IdP — not for production.</strong> Test users and dev keys only.</p>
<h1>${esc(title)}</h1>
${body}
</body></html>`;
}

export function loginPage(o: { users: readonly IdpUser[]; requestRef: string | null; spEntityId: string | null; error?: string; username?: string }): string {
  const hidden = o.requestRef ? `<input type="hidden" name="request" value="${esc(o.requestRef)}">` : '';
  const pickOnly = o.users.filter((u) => u.password === null);
  const pick = pickOnly.length
    ? `<h2>Pick a user (no password)</h2><form method="post" action="/login" class="pick">${hidden}${pickOnly
        .map((u) => `<button type="submit" name="username" value="${esc(u.username)}">${esc(u.displayName)} (${esc(u.username)})</button>`)
        .join('')}</form>`
    : '';
  return layout(
    'Sign in',
    `${o.spEntityId ? `<p>Signing in to <code>${esc(o.spEntityId)}</code>.</p>` : ''}
${o.error ? `<p class="error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="/login">${hidden}
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" value="${esc(o.username ?? '')}" autofocus required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
<p><small>Embedded users sign in with their username as password: <code>alice</code>, <code>bob</code>, <code>carol</code>.</small></p>
${pick}`,
  );
}

/** SAML bindings 3.5.4: an HTML form that posts itself; the noscript button covers no-JS browsers. */
export function autoPostPage(o: { action: string; samlResponse: string; relayState: string | null }): string {
  const relay = o.relayState === null ? '' : `<input type="hidden" name="RelayState" value="${esc(o.relayState)}">`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Signing in · samlgate test IdP</title></head>
<body><p id="test-idp-marker"><strong>samlgate test IdP — not for production.</strong> Sending you back to the service provider…</p>
<form id="saml-post" method="post" action="${esc(o.action)}"><input type="hidden" name="SAMLResponse" value="${esc(o.samlResponse)}">${relay}
<noscript><button type="submit">Continue</button></noscript></form>
<script>document.getElementById('saml-post').submit()</script>
</body></html>`;
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<p class="error" role="alert">${esc(message)}</p><p><a href="/login">Sign in to the IdP</a></p>`);
}

export function signedInPage(username: string): string {
  return layout('Signed in', `<p>You are signed in to the test IdP as <code>${esc(username)}</code>. Start a login at a service provider, or <a href="/slo">sign out</a>.</p>`);
}

export function signedOutPage(): string {
  return layout('Signed out', '<p>You are signed out of the test IdP.</p><p><a href="/login">Sign in again</a></p>');
}
