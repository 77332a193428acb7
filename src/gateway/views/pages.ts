/**
 * The gateway's few HTML pages. Server-rendered, no scripts needed, every value escaped. Signed-in
 * pages carry <meta name="csrf-token"> and a POST /logout form (DESIGN 2b).
 */
import { formatDuration } from '../../duration.ts';
import type { OrganizationRecord, OrgMembershipRecord, TokenRecord, UserRecord } from '../../store/types.ts';
import { html, raw, type RawHtml } from '../../util/html.ts';
import type { RejectionEntry } from '../context.ts';

export interface PageContext {
  user?: UserRecord;
  csrfToken?: string;
  flash?: string;
  now: number;
  manualClock: boolean;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ddd;margin-bottom:1rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee}
.flash{background:#fff4e5;border:1px solid #f0c36d;padding:.5rem 1rem}.secret{background:#e8f5e9;border:1px solid #81c784;padding:.5rem 1rem;word-break:break-all}
.warn{color:#a15c00}code{background:#f3f3f3;padding:0 .2rem}button{cursor:pointer}.inline{display:inline}`;

export function layout(title: string, page: PageContext, body: RawHtml): string {
  const nav = page.user
    ? html`<nav><a href="/">Account</a> · <a href="/app/settings/tokens">Tokens</a> · <a href="/app/organizations">Organizations</a>${page.user.isSiteAdmin ? raw(' · <a href="/app/admin/users">Admin</a>') : ''}
        · <form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}"><button type="submit">Sign out</button></form></nav>`
    : html`<nav><a href="/session">Sign in with SSO</a></nav>`;
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><title>${title} · samlgate</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
${page.csrfToken ? html`<meta name="csrf-token" content="${page.csrfToken}">` : ''}
<style>${raw(STYLE)}</style></head><body>
<header><h1>samlgate</h1>${nav}</header>
${page.manualClock ? html`<p class="warn">Dev clock: ${new Date(page.now).toISOString()}</p>` : ''}
${page.flash ? html`<p class="flash" role="status">${page.flash}</p>` : ''}
${body}
</body></html>`}`;
}

export function anonymousHome(page: PageContext): string {
  return layout('Sign in', page, html`<h2>Terraform Enterprise SSO gateway (local)</h2>
<p>You are not signed in. <a href="/session">Sign in with SSO</a> to create API tokens.</p>`);
}

export interface InvitationView {
  membership: OrgMembershipRecord;
  organization: OrganizationRecord;
}

/** Invitations waiting for the user's consent; joining binds them to the organization's session limits. */
function invitationsSection(page: PageContext, invitations: InvitationView[]): RawHtml | string {
  if (invitations.length === 0) return '';
  const button = (id: string, action: 'accept' | 'decline', label: string) =>
    html`<form class="inline" method="post" action="/app/settings/invitations/${id}/${action}"><input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}"><button type="submit">${label}</button></form>`;
  return html`<h3>Invitations</h3>
<p>Accepting makes you a member: the organization's session-timeout and session-remember then limit your web session (from your next sign-in) and so your API tokens.</p>
<table><thead><tr><th>Organization</th><th>Invited</th><th></th></tr></thead><tbody>
${invitations.map(({ membership: m, organization: o }) => html`<tr><td>${o.name}<br><small>session-timeout ${o.sessionTimeoutMinutes} min · session-remember ${o.sessionRememberMinutes} min</small></td><td>${new Date(m.createdAt).toISOString()}</td>
<td>${button(m.id, 'accept', 'Accept')} ${button(m.id, 'decline', 'Decline')}</td></tr>`)}
</tbody></table>`;
}

export function accountPage(page: PageContext, o: { liveUntil: number; apiTokenTimeoutMs: number; loginNote?: RawHtml; invitations?: InvitationView[] }): string {
  const u = page.user!;
  return layout('Account', page, html`<h2>${u.username}</h2>
<table>
<tr><th>Email</th><td>${u.email}</td></tr>
<tr><th>Service account</th><td>${u.isServiceAccount ? 'yes: API tokens do not expire with the SSO session' : 'no: API tokens stop working when the SSO session ends'}
  <br><small>Flag last synced at login on ${new Date(u.serviceAccountSyncedAt).toISOString()}. The IdP's IsServiceAccount attribute is read only at login.</small>${o.loginNote ?? ''}</td></tr>
<tr><th>Site admin</th><td>${u.isSiteAdmin ? 'yes' : 'no'}</td></tr>
<tr><th>Teams (MemberOf)</th><td>${u.memberOf.join(', ') || '(none)'}</td></tr>
<tr><th>Last SAML login</th><td>${new Date(u.lastLoginAt).toISOString()} (API tokens of non-service accounts need a login within ${formatDuration(o.apiTokenTimeoutMs)})</td></tr>
<tr><th>Web session live until</th><td>${new Date(o.liveUntil).toISOString()} unless used again</td></tr>
</table>
${invitationsSection(page, o.invitations ?? [])}`);
}

export function tokensPage(page: PageContext, tokens: TokenRecord[], created?: { token: TokenRecord; secret: string }, paging?: { page: number; pages: number; total: number }): string {
  return layout('Tokens', page, html`<h2>User API tokens</h2>
${created ? html`<div class="secret"><p>Token <code>${created.token.id}</code> created. Copy it now: it will not be shown again.</p><p><code id="new-token">${created.secret}</code></p></div>` : ''}
<form method="post" action="/app/settings/tokens"><input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}">
<label>Description <input name="description" maxlength="255"></label> <button type="submit">Create an API token</button></form>
<table><thead><tr><th>ID</th><th>Description</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>
${tokens.map((t) => html`<tr><td><code>${t.id}</code></td><td>${t.description ?? ''}</td><td>${new Date(t.createdAt).toISOString()}</td><td>${t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : 'never'}</td>
<td><form class="inline" method="post" action="/app/settings/tokens/${t.id}/delete"><input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}"><button type="submit">Revoke</button></form></td></tr>`)}
</tbody></table>
${paging && paging.pages > 1 ? html`<p>Page ${paging.page} of ${paging.pages} (${paging.total} tokens)${paging.page > 1 ? html` · <a href="/app/settings/tokens?page=${paging.page - 1}">previous</a>` : ''}${paging.page < paging.pages ? html` · <a href="/app/settings/tokens?page=${paging.page + 1}">next</a>` : ''}</p>` : ''}`);
}

export function adminUsersPage(page: PageContext, users: UserRecord[], rejections: RejectionEntry[], loginNote: (user: UserRecord) => RawHtml | string = () => ''): string {
  return layout('Admin', page, html`<h2>Users</h2>
<table><thead><tr><th>User</th><th>Service account</th><th>Flag synced</th><th>Status</th><th></th></tr></thead><tbody>
${users.map((u) => html`<tr><td>${u.username}<br><small>${u.email} · <code>${u.id}</code></small></td><td>${u.isServiceAccount ? 'yes' : 'no'}${loginNote(u)}</td>
<td>${new Date(u.serviceAccountSyncedAt).toISOString()}</td><td>${u.isSuspended ? 'suspended' : 'active'}</td>
<td><form class="inline" method="post" action="/app/admin/users/${u.id}/${u.isSuspended ? 'unsuspend' : 'suspend'}"><input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}"><button type="submit">${u.isSuspended ? 'Unsuspend' : 'Suspend'}</button></form></td></tr>`)}
</tbody></table>
<h2>Recent SAML rejections</h2>
<p><a href="/app/admin/saml/attempts">SAML debug: recent login attempts with their full report</a></p>
${rejections.length === 0 ? html`<p>None.</p>` : html`<table><thead><tr><th>When</th><th>Code</th><th>Detail</th></tr></thead><tbody>
${rejections.map((r) => html`<tr><td>${new Date(r.at).toISOString()}</td><td><code>${r.code}</code></td><td>${r.detail}</td></tr>`)}</tbody></table>`}`);
}

export function messagePage(page: PageContext, title: string, message: string): string {
  return layout(title, page, html`<h2>${title}</h2><p>${message}</p><p><a href="/session">Sign in again</a></p>`);
}
