/**
 * The test IdP's HTML: small, every value escaped, and each page marked as a test tool so nobody
 * mistakes it for a real login page. The look and the script that shows times in the browser's
 * own time zone are the asset files both halves share (src/http/assets.ts); the only inline
 * script is the auto-posting SAML form, whose hash the Content-Security-Policy allows
 * (SCRIPT_HASHES).
 */
import { createHash } from 'node:crypto';
import { FAULT_NAMES, type FaultName } from '../config.ts';
import { ASSET_HEAD } from '../http/assets.ts';
import { timeHtml } from '../util/time-text.ts';
import { escapeXml as esc } from '../saml/xml.ts';
import type { AttributeModel } from './assertion.ts';
import { FAULTS } from './faults.ts';
import type { ServiceAccountPreview } from './preview.ts';

const AUTO_POST_SCRIPT = "document.getElementById('saml-post').submit()";
const sha256 = (s: string) => `sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}`;
export const SCRIPT_HASHES = [sha256(AUTO_POST_SCRIPT)];

export function layout(title: string, body: string, o: { nav?: boolean } = {}): string {
  const nav = o.nav ? `<nav class="idp"><a href="/directory">Directory</a><a href="/responses">Recent responses</a><a href="/login">Login page</a></nav>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)} · samlgate test IdP</title>${ASSET_HEAD}</head>
<body><p class="banner" id="test-idp-marker"><strong>samlgate test IdP — not for production.</strong> Test users and dev keys only.</p>
${nav}<h1>${esc(title)}</h1>
${body}
</body></html>`;
}

// ---------------------------------------------------------------------------------------------
// Times: the formatter both halves share ("today 22:13, in 8 h"), re-rendered in the browser's
// time zone by the shared page script.

export function readableTime(ms: number, now: number): string {
  return timeHtml(ms, now);
}

// ---------------------------------------------------------------------------------------------

const hidden = (name: string, value: string | null | undefined) => (value ? `<input type="hidden" name="${esc(name)}" value="${esc(value)}">` : '');

export interface DirectoryEntry {
  username: string;
  displayName: string;
  pickOnly: boolean;
  serviceAccount: ServiceAccountPreview;
}

/** Step 1: who are you? The directory (each user opens the preview) and the classic form. */
export function loginPage(o: { users: readonly DirectoryEntry[]; requestRef: string | null; spEntityId: string | null; csrf: string; error?: string; username?: string; signedInAs?: string | null }): string {
  const q = (user: string) => `/login?${o.requestRef ? `request=${encodeURIComponent(o.requestRef)}&` : ''}user=${encodeURIComponent(user)}`;
  const users = o.users
    .map(
      (u) =>
        `<li><a href="${esc(q(u.username))}">${esc(u.displayName)}</a> <code>${esc(u.username)}</code>` +
        `${u.pickOnly ? ' · no password' : ''} · ${u.serviceAccount.flagged ? '<span class="ok">IsServiceAccount: flagged</span>' : 'not flagged'}</li>`,
    )
    .join('');
  return layout(
    'Sign in',
    `${o.spEntityId ? `<p>Signing in to <code>${esc(o.spEntityId)}</code>.</p>` : ''}
${o.signedInAs ? `<p>You are signed in to the IdP as <code>${esc(o.signedInAs)}</code>; signing in here replaces that session.</p>` : ''}
${o.error ? `<p class="error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="/login">${hidden('request', o.requestRef)}${hidden('csrf', o.csrf)}
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" value="${esc(o.username ?? '')}" autofocus required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
<p><small>Embedded users sign in with their username as password: <code>alice</code>, <code>bob</code>, <code>carol</code>.</small></p>
<h2>Pick a user from the directory</h2>
<p>Each opens a page that shows exactly what the IdP will assert, and lets you choose a fault for that one login.</p>
<ul class="users" id="directory-users">${users}</ul>
<form method="get" action="/login">${hidden('request', o.requestRef)}
<label for="preview-user">Or type a username to preview</label><input type="text" id="preview-user" name="user" required> <button type="submit">Preview</button></form>`,
  );
}

export interface AssertionPreview {
  nameId: string;
  nameIdFormat: string;
  attributes: readonly AttributeModel[];
  sessionNotOnOrAfter: number | null;
  assertionLifetime: number;
  signing: string;
  encryption: string;
  faults: readonly FaultName[];
  nextFaults: { faults: readonly FaultName[]; remaining: number } | null;
  serviceAccount: ServiceAccountPreview;
}

export function assertionPreviewHtml(p: AssertionPreview, now: number): string {
  const attrs = p.attributes
    .map((a) => `<tr><td><code>${esc(a.name)}</code></td><td><code>${esc(a.nameFormat ?? '(no NameFormat)')}</code></td><td>${a.values.map((v) => `<code>${esc(v === '' ? '(empty)' : v)}</code>`).join(' ')}</td></tr>`)
    .join('');
  const sa = p.serviceAccount.flagged
    ? '<p class="ok" id="sa-reading">The gateway will read IsServiceAccount as <strong>flagged</strong> (tokens survive the SSO session, rule F1).</p>'
    : `<p id="sa-reading">The gateway will <strong>not</strong> flag this user as a service account${p.serviceAccount.findings.length ? `: ${p.serviceAccount.findings.map((f) => esc(`${f.message} (${f.fix})`)).join('; ')}` : '.'}</p>`;
  return `<table id="assertion-preview"><tbody>
<tr><th>NameID</th><td><code>${esc(p.nameId)}</code><br><small>Format <code>${esc(p.nameIdFormat)}</code></small></td></tr>
<tr><th>SessionNotOnOrAfter</th><td>${p.sessionNotOnOrAfter === null ? 'not sent (the SP decides how long the session lasts)' : `${readableTime(p.sessionNotOnOrAfter, now)} — the SP should end its session then`}</td></tr>
<tr><th>Assertion valid for</th><td>${Math.round(p.assertionLifetime / 1000)} s</td></tr>
<tr><th>Signatures</th><td>${esc(p.signing)}</td></tr>
<tr><th>Encryption</th><td>${esc(p.encryption)}</td></tr>
<tr><th>Standing faults</th><td>${p.faults.length ? p.faults.map((f) => `<code>${esc(f)}</code>`).join(' ') : 'none'}${p.nextFaults ? `<br>next ${p.nextFaults.remaining} response(s) also: ${p.nextFaults.faults.map((f) => `<code>${esc(f)}</code>`).join(' ')}` : ''}</td></tr>
</tbody></table>
<h3>Attributes</h3>
<table id="attribute-preview"><thead><tr><th>Name</th><th>NameFormat</th><th>Values</th></tr></thead><tbody>${attrs}</tbody></table>
${sa}`;
}

export function faultSelect(name = 'fault', id = 'fault'): string {
  return `<select id="${id}" name="${name}"><option value="">none</option>${FAULT_NAMES.map((f) => `<option value="${f}">${f}: ${esc(FAULTS[f].description)}</option>`).join('')}</select>`;
}

/** Step 2: "sign in as alice": what will be asserted, a fault for this login, the password. */
export function confirmLoginPage(o: { username: string; displayName: string; needsPassword: boolean; requestRef: string | null; spEntityId: string | null; csrf: string; preview: AssertionPreview; now: number; error?: string }): string {
  const back = `/login${o.requestRef ? `?request=${encodeURIComponent(o.requestRef)}` : ''}`;
  return layout(
    `Sign in as ${o.username}`,
    `<p>${o.spEntityId ? `Signing in to <code>${esc(o.spEntityId)}</code> as` : 'Signing in to the IdP as'} <strong>${esc(o.displayName)}</strong> (<code>${esc(o.username)}</code>). <a href="${esc(back)}" id="switch-user">Not you? Switch user</a></p>
${o.error ? `<p class="error" role="alert">${esc(o.error)}</p>` : ''}
<h2>What the IdP will assert${o.spEntityId ? ' to this SP' : ''}</h2>
${assertionPreviewHtml(o.preview, o.now)}
<form method="post" action="/login">${hidden('request', o.requestRef)}${hidden('csrf', o.csrf)}${hidden('username', o.username)}
${o.needsPassword ? `<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" autofocus required>` : '<p>This user has no password (pick-only).</p>'}
<label for="fault">Fault for this one login</label>${faultSelect()}
<button type="submit">Sign in</button>
</form>`,
  );
}

/** SAML bindings 3.5.4: an HTML form that posts itself; the noscript button covers no-JS browsers. */
export function autoPostPage(o: { action: string; field?: 'SAMLResponse' | 'SAMLRequest'; samlResponse: string; relayState: string | null; note?: string }): string {
  const field = o.field ?? 'SAMLResponse';
  const relay = o.relayState === null ? '' : `<input type="hidden" name="RelayState" value="${esc(o.relayState)}">`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Signing in · samlgate test IdP</title></head>
<body><p id="test-idp-marker"><strong>samlgate test IdP — not for production.</strong> ${esc(o.note ?? 'Sending you back to the service provider…')}</p>
<form id="saml-post" method="post" action="${esc(o.action)}"><input type="hidden" name="${field}" value="${esc(o.samlResponse)}">${relay}
<noscript><button type="submit">Continue</button></noscript></form>
<script>${AUTO_POST_SCRIPT}</script>
</body></html>`;
}

/** Every error page says what happened and what to do next. */
export function errorPage(title: string, reason: string, next = 'Start the login again at the service provider, or <a href="/login">sign in to the IdP</a>.'): string {
  return layout(title, `<p class="error" role="alert">${esc(reason)}</p><p><strong>What to do:</strong> ${next}</p>`);
}

export function signedInPage(username: string): string {
  return layout(
    'Signed in',
    `<p>You are signed in to the test IdP as <code>${esc(username)}</code>. Start a login at a service provider, or <a href="/slo">sign out</a> (also signs you out of every SP you reached through this IdP).</p>
<p><a href="/login?switch=1" id="switch-user">Not you? Switch user</a></p>`,
  );
}

export interface LogoutOutcome {
  entityId: string;
  ok: boolean;
  detail: string;
}

export function signedOutPage(results: readonly LogoutOutcome[] = []): string {
  const list = results.length
    ? `<h2>Service providers</h2><ul id="slo-results">${results.map((r) => `<li class="${r.ok ? 'ok' : 'bad'}"><code>${esc(r.entityId)}</code>: ${esc(r.detail)}</li>`).join('')}</ul>`
    : '';
  return layout('Signed out', `<p>You are signed out of the test IdP.</p>${list}<p><a href="/login">Sign in again</a></p>`);
}

export function adminSignInPage(o: { csrf: string; next: string; error?: string }): string {
  return layout(
    'IdP admin sign-in',
    `<p>This IdP runs with <code>--idp-admin-token</code>: its directory, inspector and scripted login need that token.</p>
${o.error ? `<p class="error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="/admin/sign-in">${hidden('csrf', o.csrf)}${hidden('next', o.next)}
<label for="token">Admin token</label><input type="password" id="token" name="token" autocomplete="off" required>
<button type="submit">Continue</button></form>`,
  );
}
