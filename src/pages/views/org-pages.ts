/**
 * Organization and team pages (TFE: team and organization tokens are generated, regenerated and
 * deleted "through both the UI and the API"): the teams list under organization settings, the
 * team management page with its "Team API Token" section, and the organization's "API Token"
 * page. Every form carries the CSRF token; a new secret is shown once, with a copy button, and
 * obfuscated on every later view.
 */
import type { OrganizationRecord, TeamRecord, TokenRecord, UserRecord } from '../../store/types.ts';
import { html, type RawHtml } from '../../util/html.ts';
import type { TokenStatus } from '../token-status.ts';
import { layout, tokenStatusHtml, when, type PageContext } from './pages.ts';

const csrfField = (page: PageContext) => html`<input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}">`;

/** The secret, once, with a copy button (the script runs under this response's CSP nonce). */
export function secretOnce(secret: string, nonce: string, what: string): RawHtml {
  return html`<div class="secret" role="alert"><p><strong>Copy the ${what} now: it will not be shown again.</strong></p>
<p><code id="new-token">${secret}</code> <button type="button" id="copy-token">Copy</button> <span id="copy-status" role="status"></span></p></div>
<script nonce="${nonce}">document.getElementById('copy-token').addEventListener('click', async () => {
  const el = document.getElementById('new-token'); const status = document.getElementById('copy-status');
  try { await navigator.clipboard.writeText(el.textContent); status.textContent = 'Copied to the clipboard.'; }
  catch { const r = document.createRange(); r.selectNodeContents(el); const s = getSelection(); s.removeAllRanges(); s.addRange(r); status.textContent = 'Selected: press Ctrl+C (Cmd+C) to copy.'; }
});</script>`;
}

export interface TokenSectionOptions {
  /** Form action base: POST here generates/regenerates, POST `${action}/delete` deletes. */
  action: string;
  title: string;
  noun: string;
  token: TokenRecord | undefined;
  creator?: UserRecord;
  /** The API's verdict on the token (token-status.ts), when there is one. */
  status?: TokenStatus;
  mayManage: boolean;
  created?: { secret: string; nonce: string };
}

/** The "API Token" block shared by the team page and the organization settings page. */
export function tokenSection(page: PageContext, o: TokenSectionOptions): RawHtml {
  const t = o.token;
  const body = !t
    ? html`<p>This ${o.noun} has no API token. ${o.noun === 'team'
      ? "A team token lets automation (CI, Terraform) act as the team, with the team's access, through the /api/v2 API; it is not tied to anyone's SSO session."
      : "The organization token lets automation manage the organization's teams, settings and workspaces through the /api/v2 API; it is not tied to anyone's SSO session."}${o.mayManage ? ' Create one below: its secret is shown once.' : ' An owner can create one.'}</p>${o.mayManage ? html`<form method="post" action="${o.action}">${csrfField(page)}<button type="submit">Create ${/^[aeiou]/.test(o.noun) ? 'an' : 'a'} ${o.noun} token</button></form>` : ''}`
    : html`${o.created ? secretOnce(o.created.secret, o.created.nonce, `${o.noun} token`) : ''}
<table class="token">
<tr><th>Token</th><td><code class="obfuscated">${o.created ? 'shown above' : '••••••••••••••.atlasv1.•••••••••••• (hidden: regenerate to get a new secret)'}</code> <small><code>${t.id}</code></small></td></tr>
${o.status ? html`<tr><th>Will it work?</th><td class="token-status">${tokenStatusHtml(o.status, page, 0)}</td></tr>` : ''}
<tr><th>Created</th><td>${when(t.createdAt, page)}${o.creator ? html` by ${o.creator.username}` : ''}</td></tr>
<tr><th>Last used</th><td>${when(t.lastUsedAt, page)}</td></tr>
<tr><th>Expires</th><td>${when(t.expiredAt, page)}</td></tr>
</table>
${o.mayManage ? html`<p class="warn" id="regenerate-warning">Regenerating replaces this token: the current secret stops working immediately, and anything still using it gets 401.</p>
<form class="inline" method="post" action="${o.action}">${csrfField(page)}<button type="submit">Regenerate token</button></form>
<form class="inline" method="post" action="${o.action}/delete">${csrfField(page)}<button type="submit">Delete token</button></form>` : ''}`;
  return html`<section id="api-token"><h3>${o.title}</h3>${body}</section>`;
}

const orgBase = (org: OrganizationRecord) => `/app/${encodeURIComponent(org.name)}/settings`;

function orgNav(org: OrganizationRecord, mayManageToken: boolean): RawHtml {
  return html`<p><a href="${orgBase(org)}/teams">Teams</a>${mayManageToken ? html` · <a href="${orgBase(org)}/authentication-token">API Token</a>` : ''}</p>`;
}

export function organizationsPage(page: PageContext, orgs: OrganizationRecord[]): string {
  return layout('Organizations', page, html`<h2>Organizations</h2>
${orgs.length === 0 ? html`<p>You are not a member of any organization yet. An owner can invite you, or your IdP can name your teams in MemberOf.</p>` : html`<ul>${orgs.map((o) => html`<li><a href="${orgBase(o)}/teams">${o.name}</a></li>`)}</ul>`}`);
}

export function teamsPage(page: PageContext, o: { org: OrganizationRecord; teams: Array<{ team: TeamRecord; members: number }>; mayCreate: boolean; mayManageToken: boolean }): string {
  return layout(`Teams · ${o.org.name}`, page, html`<h2>${o.org.name}: teams</h2>${orgNav(o.org, o.mayManageToken)}
<table><thead><tr><th>Team</th><th>Visibility</th><th>Members</th></tr></thead><tbody>
${o.teams.map(({ team, members }) => html`<tr><td><a href="${orgBase(o.org)}/teams/${team.id}">${team.name}</a>${team.isOwners ? ' (owners)' : ''}</td><td>${team.visibility}</td><td>${members}</td></tr>`)}
</tbody></table>
${o.mayCreate ? html`<h3>Create a team</h3><form method="post" action="${orgBase(o.org)}/teams">${csrfField(page)}<label>Name <input name="name" required maxlength="255"></label> <button type="submit">Create team</button></form>` : ''}`);
}

export interface TeamPageOptions {
  org: OrganizationRecord;
  team: TeamRecord;
  members: UserRecord[];
  mayManageMembers: boolean;
  token: Omit<TokenSectionOptions, 'action' | 'title' | 'noun'>;
}

export function teamPage(page: PageContext, o: TeamPageOptions): string {
  const base = `${orgBase(o.org)}/teams/${o.team.id}`;
  const access = Object.entries(o.team.organizationAccess).filter(([, v]) => v).map(([k]) => k);
  return layout(`${o.team.name} · ${o.org.name}`, page, html`<h2>Team ${o.team.name}</h2>
<p><a href="${orgBase(o.org)}/teams">← all teams of ${o.org.name}</a></p>
<table><tr><th>Visibility</th><td>${o.team.visibility}</td></tr>
<tr><th>Organization access</th><td>${access.join(', ') || '(none)'}</td></tr>
<tr><th>SSO team id</th><td>${o.team.ssoTeamId ?? '(none: MemberOf matches the name)'}</td></tr></table>
<h3>Members</h3>
<table><tbody>${o.members.map((u) => html`<tr><td>${u.username}</td><td>${u.email}</td><td>${o.mayManageMembers ? html`<form class="inline" method="post" action="${base}/members/${u.id}/remove">${csrfField(page)}<button type="submit">Remove</button></form>` : ''}</td></tr>`)}</tbody></table>
${o.members.length === 0 ? html`<p>No members.</p>` : ''}
${o.mayManageMembers ? html`<form method="post" action="${base}/members">${csrfField(page)}<label>Username <input name="username" required maxlength="64"></label> <button type="submit">Add member</button></form>` : ''}
${tokenSection(page, { ...o.token, action: `${base}/authentication-token`, title: 'Team API Token', noun: 'team' })}`);
}

export function organizationTokenPage(page: PageContext, o: { org: OrganizationRecord; token: Omit<TokenSectionOptions, 'action' | 'title' | 'noun'> }): string {
  return layout(`API Token · ${o.org.name}`, page, html`<h2>${o.org.name}: API Token</h2>${orgNav(o.org, true)}
<p>The organization token manages the organization's teams, settings and workspaces; it cannot start or apply runs (TFE). It is not tied to anyone's SSO session.</p>
${tokenSection(page, { ...o.token, action: `${orgBase(o.org)}/authentication-token`, title: 'Organization API Token', noun: 'organization' })}`);
}

