/**
 * The gateway's few HTML pages. Server-rendered and complete without scripts, every value escaped;
 * the look and the one script (times in the browser's zone, ticking) are the shared asset files
 * (src/http/assets.ts). Signed-in pages carry <meta name="csrf-token"> and a POST /logout form
 * (DESIGN 2b).
 */
import { formatDuration } from '../../duration.ts';
import { ASSET_HEAD } from '../../http/assets.ts';
import type { OrganizationRecord, OrgMembershipRecord, TokenRecord, UserRecord } from '../../store/types.ts';
import { html, raw, type RawHtml } from '../../util/html.ts';
import { timeHtml } from '../../util/time-text.ts';
import type { RejectionEntry } from '../../gateway/context.ts';
import type { TokenStatus } from '../token-status.ts';

export interface PageContext {
  user?: UserRecord;
  csrfToken?: string;
  flash?: string;
  now: number;
  manualClock: boolean;
  /** End of the signed-in web session (S1), shown as a countdown on every page. */
  sessionEndsAt?: number;
  /** Where the dev-clock buttons come back to. */
  returnTo?: string;
}

/** Every time on the gateway's pages: local and relative on the gateway clock, the instant in the tooltip. */
export function when(at: number | null, page: Pick<PageContext, 'now'>, never = 'never'): RawHtml {
  return at === null ? html`${never}` : raw(timeHtml(at, page.now));
}

const csrfInput = (page: PageContext) => html`<input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}">`;

/** The advance steps offered as buttons; the POST goes through the same moveClock as /api/v2/_sim/clock. */
export const CLOCK_STEPS = [['1h', '+1 h'], ['1d', '+1 d'], ['14d', '+14 d']] as const;

/**
 * The bar under the header: the dev clock (manual clock only) with its advance buttons, and the
 * web session's end as a countdown. The buttons need the session's CSRF token, so only signed-in
 * pages have them; a signed-out page says how to move the clock instead.
 */
function clockBar(page: PageContext): RawHtml {
  const parts: RawHtml[] = [];
  if (page.manualClock) parts.push(html`<span class="dev" id="dev-clock">Dev clock: ${raw(timeHtml(page.now, page.now, { style: 'date' }))}</span>`);
  if (page.user && page.sessionEndsAt !== undefined) parts.push(html`<span id="session-countdown">Web session ends ${raw(timeHtml(page.sessionEndsAt, page.now, { id: 'session-ends' }))}</span>`);
  if (page.manualClock && page.user && page.csrfToken) {
    parts.push(html`<form method="post" action="/app/_sim/clock" id="clock-advance" aria-label="Move the dev clock forward">${csrfInput(page)}<input type="hidden" name="return_to" value="${page.returnTo ?? '/'}"><span>Move it forward:</span>${CLOCK_STEPS.map(([value, label]) => html`<button type="submit" name="advance" value="${value}">${label}</button>`)}</form>`);
  } else if (page.manualClock) {
    parts.push(html`<small>Sign in to move it from these pages, or <code>POST /api/v2/_sim/clock</code>.</small>`);
  }
  return parts.length ? html`<div class="clockbar">${parts}</div>` : html``;
}

export function layout(title: string, page: PageContext, body: RawHtml): string {
  const nav = page.user
    ? html`<nav><a href="/">Account</a><a href="/app/settings/tokens">Tokens</a><a href="/app/organizations">Organizations</a><a href="/app/timeline">Timeline</a>${page.user.isSiteAdmin ? raw('<a href="/app/admin/users">Admin</a>') : ''}
        <form class="inline" method="post" action="/logout">${csrfInput(page)}<button type="submit">Sign out</button></form></nav>`
    : html`<nav><a href="/session">Sign in with SSO</a></nav>`;
  return `<!doctype html>${html`<html lang="en" data-clock="${page.manualClock ? 'manual' : 'system'}"><head><meta charset="utf-8"><title>${title} · samlgate</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
${page.csrfToken ? html`<meta name="csrf-token" content="${page.csrfToken}">` : ''}
${raw(ASSET_HEAD)}</head><body>
<header class="top"><h1><a href="/">samlgate</a></h1>${nav}</header>
${clockBar(page)}
${page.flash ? html`<p class="flash" role="status">${page.flash}</p>` : ''}
<main>
${body}
</main>
</body></html>`}`;
}

export function anonymousHome(page: PageContext): string {
  return layout('Sign in', page, html`<h2>Terraform Enterprise SSO gateway (local)</h2>
<p>You are not signed in. <a href="/session">Sign in with SSO</a> to create API tokens.</p>
<p>API tokens of users the IdP does not flag as service accounts work only while their SSO session is live: after it ends they get <code>401</code>, and signing in again makes them work again.</p>`);
}

/** "14 d", "20 min": a configured duration in the same units the times use. */
function span(ms: number): string {
  return formatDuration(ms).replace(/^(\d+)(ms|s|m|h|d)$/, (_m, n: string, u: string) => `${n} ${u === 'm' ? 'min' : u}`);
}

export interface InvitationView {
  membership: OrgMembershipRecord;
  organization: OrganizationRecord;
}

/** Invitations waiting for the user's consent; joining binds them to the organization's session limits. */
function invitationsSection(page: PageContext, invitations: InvitationView[]): RawHtml | string {
  if (invitations.length === 0) return '';
  const button = (id: string, action: 'accept' | 'decline', label: string) =>
    html`<form class="inline" method="post" action="/app/settings/invitations/${id}/${action}">${csrfInput(page)}<button type="submit">${label}</button></form>`;
  return html`<h3>Invitations</h3>
<p>Accepting makes you a member: the organization's session-timeout and session-remember then limit your web session (from your next sign-in) and so your API tokens.</p>
<table><thead><tr><th>Organization</th><th>Invited</th><th></th></tr></thead><tbody>
${invitations.map(({ membership: m, organization: o }) => html`<tr><td>${o.name}<br><small>session-timeout ${o.sessionTimeoutMinutes} min · session-remember ${o.sessionRememberMinutes} min</small></td><td>${when(m.createdAt, page)}</td>
<td>${button(m.id, 'accept', 'Accept')} ${button(m.id, 'decline', 'Decline')}</td></tr>`)}
</tbody></table>`;
}

export function accountPage(page: PageContext, o: { liveUntil: number; apiTokenTimeoutMs: number; loginNote?: RawHtml; invitations?: InvitationView[] }): string {
  const u = page.user!;
  return layout('Account', page, html`<h2>${u.username}</h2>
<table>
<tr><th>Email</th><td>${u.email}</td></tr>
<tr><th>Service account</th><td>${u.isServiceAccount ? 'yes: API tokens do not expire with the SSO session' : 'no: API tokens stop working when the SSO session ends'}
  <br><small>Flag last synced at login on ${when(u.serviceAccountSyncedAt, page)}. The IdP's IsServiceAccount attribute is read only at login.</small>${o.loginNote ?? ''}</td></tr>
<tr><th>Site admin</th><td>${u.isSiteAdmin ? 'yes' : 'no'}</td></tr>
<tr><th>Teams (MemberOf)</th><td>${u.memberOf.join(', ') || '(none)'}</td></tr>
<tr><th>Last SAML login</th><td>${when(u.lastLoginAt, page)}${u.isServiceAccount ? '' : html`<br><small>API tokens of non-service accounts need a SAML login within ${span(o.apiTokenTimeoutMs)}: yours stop ${when(u.lastLoginAt + o.apiTokenTimeoutMs, page)} at the latest.</small>`}</td></tr>
<tr><th>Web session ends</th><td>${when(o.liveUntil, page)}<br><small>unless used again: each page you open restarts the idle timeout, up to the session's maximum length.</small></td></tr>
</table>
<p><a href="/app/timeline">Your timeline</a>: logins, session ends and refused tokens, on the gateway clock.</p>
${invitationsSection(page, o.invitations ?? [])}`);
}

/** "Will this token work?", in the words of the API's own decision (src/pages/token-status.ts). */
export function tokenStatusHtml(status: TokenStatus, page: PageContext, apiTokenTimeoutMs: number): RawHtml {
  if (status.works) {
    const exempt = status.exempt === 'service-account' ? 'service account' : status.exempt === 'team' ? "team token, not tied to anyone's SSO session" : status.exempt === 'organization' ? "organization token, not tied to anyone's SSO session" : null;
    if (status.until === null) return html`<span class="status-ok" data-status="works">works: ${exempt ?? 'no limit'}, no expiry</span>`;
    const why = status.endsBy === 'web-session-expired' ? 'until your SSO session ends'
      : status.endsBy === 'sso-api-token-timeout' ? `until ${span(apiTokenTimeoutMs)} after your last SAML login`
      : 'until it expires';
    return html`<span class="status-ok" data-status="works">works ${why} (${when(status.until, page)})${exempt ? html`; ${exempt}` : ''}</span>`;
  }
  const again = status.reason === 'web-session-expired' || status.reason === 'sso-api-token-timeout';
  return html`<span class="status-bad" data-status="refused">401${status.since === null ? '' : html` since ${when(status.since, page)}`}${again ? html`: <a href="/session?force=1&amp;return_to=%2Fapp%2Fsettings%2Ftokens">log in again</a>` : ''}</span>
<br><span class="detail">The API answers: <q>${status.detail}</q></span>`;
}

export interface TokenRow {
  token: TokenRecord;
  status: TokenStatus;
}

export function tokensPage(page: PageContext, rows: TokenRow[], o: { apiTokenTimeoutMs: number; created?: { token: TokenRecord; secret: string }; paging?: { page: number; pages: number; total: number } }): string {
  const u = page.user!;
  const { created, paging } = o;
  const rule = u.isServiceAccount
    ? html`You are a service account (the IdP sent <code>IsServiceAccount=true</code> at your last login): your tokens keep working after your SSO session ends, until you revoke them.`
    : html`Your tokens work while your SSO session is live and for at most ${span(o.apiTokenTimeoutMs)} after your last SAML login; after that the API answers <code>401</code> until you sign in again (the tokens are not deleted).`;
  return layout('Tokens', page, html`<h2>User API tokens</h2>
<p>${rule}</p>
${created ? html`<div class="secret"><p>Token <code>${created.token.id}</code> created. Copy it now: it will not be shown again.</p><p><code id="new-token">${created.secret}</code></p></div>` : ''}
<form method="post" action="/app/settings/tokens">${csrfInput(page)}
<label class="inline">Description <input name="description" maxlength="255"></label> <button type="submit">Create an API token</button></form>
${rows.length === 0 && (paging?.total ?? 0) === 0
    ? html`<div id="no-tokens"><p>You have no API tokens yet. A token lets Terraform, scripts and CI call the <code>/api/v2</code> API as you: they send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<p>Create one above (a description helps you recognise it later), or run <code>terraform login</code>, which creates one for the CLI.</p></div>`
    : html`<table id="tokens"><thead><tr><th>Token</th><th>Will it work?</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>
${rows.map(({ token: t, status }) => html`<tr id="token-${t.id}"><td>${t.description ?? html`<span class="muted">(no description)</span>`}<br><small><code>${t.id}</code></small></td><td class="token-status">${tokenStatusHtml(status, page, o.apiTokenTimeoutMs)}</td><td>${when(t.createdAt, page)}</td><td>${when(t.lastUsedAt, page)}</td>
<td><form class="inline" method="post" action="/app/settings/tokens/${t.id}/delete">${csrfInput(page)}<button type="submit">Revoke</button></form></td></tr>`)}
</tbody></table>`}
${paging && paging.pages > 1 ? html`<p>Page ${paging.page} of ${paging.pages} (${paging.total} tokens)${paging.page > 1 ? html` · <a href="/app/settings/tokens?page=${paging.page - 1}">previous</a>` : ''}${paging.page < paging.pages ? html` · <a href="/app/settings/tokens?page=${paging.page + 1}">next</a>` : ''}</p>` : ''}`);
}

export function adminUsersPage(page: PageContext, users: UserRecord[], rejections: RejectionEntry[], loginNote: (user: UserRecord) => RawHtml | string = () => ''): string {
  return layout('Admin', page, html`<h2>Users</h2>
<p><a href="/app/admin/timeline">Timeline of all users</a> · <a href="/app/admin/saml/attempts">SAML debug: recent login attempts with their full report</a></p>
<table><thead><tr><th>User</th><th>Service account</th><th>Flag synced</th><th>Status</th><th></th></tr></thead><tbody>
${users.map((u) => html`<tr><td>${u.username}<br><small>${u.email} · <code>${u.id}</code></small></td><td>${u.isServiceAccount ? 'yes' : 'no'}${loginNote(u)}</td>
<td>${when(u.serviceAccountSyncedAt, page)}</td><td>${u.isSuspended ? 'suspended' : 'active'}</td>
<td><form class="inline" method="post" action="/app/admin/users/${u.id}/${u.isSuspended ? 'unsuspend' : 'suspend'}">${csrfInput(page)}<button type="submit">${u.isSuspended ? 'Unsuspend' : 'Suspend'}</button></form></td></tr>`)}
</tbody></table>
<h2>Recent SAML rejections</h2>
${rejections.length === 0 ? html`<p>None.</p>` : html`<table><thead><tr><th>When</th><th>Code</th><th>Detail</th></tr></thead><tbody>
${rejections.map((r) => html`<tr><td>${when(r.at, page)}</td><td><code>${r.code}</code></td><td>${r.detail}</td></tr>`)}</tbody></table>`}`);
}

/** Every error page: what happened, and the next step (by default, signing in again). */
export function messagePage(page: PageContext, title: string, message: string, next: RawHtml = html`<a href="/session">Sign in again</a>`): string {
  // The page's message is often the flash itself ("Your session ended..."): say it once.
  return layout(title, page.flash === message ? { ...page, flash: undefined } : page, html`<h2>${title}</h2><p>${message}</p><p>${next}</p>`);
}
