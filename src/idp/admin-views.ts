/**
 * The IdP's admin pages: the directory (users, attributes, faults; toggle IsServiceAccount, add
 * and remove users, faults for the next responses) and the recent-responses inspector. Every
 * form carries the CSRF token; every value is escaped.
 */
import { escapeXml as esc } from '../saml/xml.ts';
import type { IdpUser } from './directory.ts';
import type { IssuedRecord, SignatureStatus } from './inspector.ts';
import type { ServiceAccountPreview } from './preview.ts';
import type { IdpServiceProvider } from './service-providers.ts';
import { faultSelect, layout, readableTime } from './views.ts';

const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${esc(csrf)}">`;

function attributeList(user: IdpUser): string {
  const entries = Object.entries(user.attributes);
  if (!entries.length) return '<em>none</em>';
  return entries.map(([k, v]) => `<code>${esc(k)}</code> = <code>${esc(Array.isArray(v) ? v.join(', ') : String(v))}</code>`).join('<br>');
}

export function directoryPage(o: { users: readonly { user: IdpUser; serviceAccount: ServiceAccountPreview }[]; serviceProviders: readonly IdpServiceProvider[]; csrf: string; notice?: string; error?: string }): string {
  const rows = o.users
    .map(({ user, serviceAccount }) => {
      const u = encodeURIComponent(user.username);
      const flaggedAttr = String(user.attributes.IsServiceAccount ?? '').toLowerCase() === 'true';
      return `<tr id="user-${esc(user.username)}"><td><code>${esc(user.username)}</code><br>${esc(user.displayName)}<br><small>${esc(user.email)}${user.password === null ? ' · no password' : ''}</small></td>
<td>${attributeList(user)}</td>
<td>${user.faults.length ? user.faults.map((f) => `<code>${esc(f)}</code>`).join(' ') : 'none'}${user.nextFaults ? `<br>next ${user.nextFaults.remaining}: ${user.nextFaults.faults.map((f) => `<code>${esc(f)}</code>`).join(' ')}` : ''}</td>
<td class="${serviceAccount.flagged ? 'ok' : ''}">${serviceAccount.flagged ? 'flagged' : 'not flagged'}${serviceAccount.findings.length ? `<br><small>${serviceAccount.findings.map((f) => esc(f.message)).join('; ')}</small>` : ''}</td>
<td><form method="post" action="/directory/users/${u}/service-account" class="inline">${csrfField(o.csrf)}<input type="hidden" name="value" value="${flaggedAttr ? 'false' : 'true'}"><button type="submit">${flaggedAttr ? 'Set IsServiceAccount=false' : 'Set IsServiceAccount=true'}</button></form>
<form method="post" action="/directory/users/${u}/next-faults" class="inline">${csrfField(o.csrf)}<label>Fault ${faultSelect('fault', `fault-${esc(user.username)}`)}</label><label>for the next <input type="number" name="count" value="1" min="1" max="1000"> response(s)</label><button type="submit">Apply</button></form>
<form method="post" action="/directory/users/${u}/delete" class="inline">${csrfField(o.csrf)}<button type="submit">Remove ${esc(user.username)}</button></form></td></tr>`;
    })
    .join('\n');
  const sps = o.serviceProviders
    .map((sp) => {
      const s = sp.settings;
      return `<tr><td><code>${esc(sp.entityId)}</code><br><small>ACS ${esc(sp.acsUrl)}${sp.sloUrl ? `<br>SLO ${esc(sp.sloUrl)} (${sp.sloBinding})` : ''}</small></td>
<td>${s.signResponse && s.signAssertion ? 'Response + Assertion' : s.signResponse ? 'Response' : 'Assertion'}, ${s.signatureAlgorithm}</td>
<td>${s.encryptAssertion ? 'AES-256-GCM + RSA-OAEP' : 'no'}${sp.encryptionCertificate ? '' : ' (no encryption certificate)'}</td><td><code>${esc(s.nameIdFormatName)}</code></td><td>${esc(sp.source)}</td></tr>`;
    })
    .join('');
  return layout(
    'Directory',
    `${o.notice ? `<p class="ok" role="status">${esc(o.notice)}</p>` : ''}${o.error ? `<p class="error" role="alert">${esc(o.error)}</p>` : ''}
<p>Changes apply to each user's <em>next</em> assertion; the gateway reads IsServiceAccount only at login (rule F2).</p>
<table id="users"><thead><tr><th>User</th><th>Attributes</th><th>Faults</th><th>Gateway reads IsServiceAccount as</th><th>Change</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Add a user</h2>
<form method="post" action="/directory/users" id="add-user">${csrfField(o.csrf)}
<label for="new-username">Username</label><input type="text" id="new-username" name="username" required pattern="[A-Za-z0-9][A-Za-z0-9._\\-]*">
<label for="new-display">Display name</label><input type="text" id="new-display" name="displayName">
<label for="new-email">Email (NameID)</label><input type="email" id="new-email" name="email">
<label for="new-password">Password (leave empty: pick-only)</label><input type="password" id="new-password" name="password" autocomplete="new-password">
<label for="new-memberof">MemberOf (comma-separated teams)</label><input type="text" id="new-memberof" name="memberOf">
<label><input type="checkbox" name="isServiceAccount" value="true"> IsServiceAccount=true</label>
<button type="submit">Add user</button></form>
<h2>Service providers</h2>
<table id="service-providers"><thead><tr><th>SP</th><th>Signs</th><th>Encrypts</th><th>NameID</th><th>From</th></tr></thead><tbody>${sps}</tbody></table>
<p><small>Change SP settings through <code>PATCH /api/service-providers/:entityId</code> (docs/idp.md).</small></p>`,
    { nav: true },
  );
}

const statusHtml = (label: string, s: SignatureStatus | null) =>
  s === null ? '' : `<span class="${s === 'valid' ? 'ok' : s === 'invalid' ? 'bad' : ''}">${esc(label)}: ${s}</span>`;

export interface InspectedRecord {
  record: IssuedRecord;
  responseSignature: SignatureStatus | null;
  assertionSignature: SignatureStatus | null;
  prettyXml: string;
  prettyAssertion: string | null;
}

export function inspectorPage(o: { items: readonly InspectedRecord[]; now: number; capacity: number }): string {
  const items = o.items
    .map(({ record: r, responseSignature, assertionSignature, prettyXml, prettyAssertion }) => `<li class="response" id="response-${esc(r.id)}">
<p><strong>${esc(r.kind)}</strong> to <code>${esc(r.sp)}</code>${r.username ? ` for <code>${esc(r.username)}</code>` : ''} · ${readableTime(r.at, o.now)} · ID <code>${esc(r.id)}</code>${r.inResponseTo ? ` · InResponseTo <code>${esc(r.inResponseTo)}</code>` : ' · unsolicited'}</p>
<p>Signatures: ${[statusHtml('Response', responseSignature), statusHtml('Assertion', assertionSignature)].filter(Boolean).join(' · ') || 'n/a'}${r.encryption ? ` · Assertion encrypted (${esc(r.encryption)})` : ''} · faults: ${r.faults.length ? r.faults.map((f) => `<code>${esc(f)}</code>`).join(' ') : 'none'}</p>
<details><summary>Decoded XML, as sent</summary><pre>${esc(prettyXml)}</pre></details>
${prettyAssertion ? `<details><summary>The Assertion before encryption</summary><pre>${esc(prettyAssertion)}</pre></details>` : ''}
</li>`)
    .join('\n');
  return layout(
    'Recent responses',
    `<p>The last ${o.capacity} messages the IdP sent, newest first. Signatures are checked now against the IdP's signing certificates.</p>
${o.items.length ? `<ol id="responses">${items}</ol>` : '<p id="no-responses">Nothing issued yet: sign in at a service provider.</p>'}`,
    { nav: true },
  );
}
