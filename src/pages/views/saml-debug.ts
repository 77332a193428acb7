/**
 * The SAML debug pages (admin only): the list of recent login attempts and one attempt in full -
 * the decoded response pretty-printed with the signed elements marked, the attributes with their
 * NameFormat, the F1 decision and every finding of the shared verification core. Also the error
 * page a refused login shows when debug is on: the reason and the fix, not just a code.
 */
import { DOMParser } from '@xmldom/xmldom';
import type { Finding } from '../../saml/verify/findings.ts';
import { html, raw, type RawHtml } from '../../util/html.ts';
import type { LoginAttempt, UserLoginNote } from '../../sp/login-attempts.ts';
import { layout, when as whenTime, type PageContext } from './pages.ts';

const when = (page: PageContext, at: number) => whenTime(at, page);

function escapeText(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Indented XML as HTML; elements whose ID is in `signedIds` are wrapped in a .signed block. */
export function prettyXml(xml: string, signedIds: ReadonlySet<string>): RawHtml {
  let doc: Document;
  try {
    doc = new DOMParser({ errorHandler: { warning: () => {}, error: () => {}, fatalError: () => {} } }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch {
    return html`<pre class="xml">${xml}</pre>`;
  }
  const out: string[] = [];
  const walk = (node: Node, depth: number) => {
    const pad = '  '.repeat(depth);
    if (node.nodeType === 1) {
      const el = node as Element;
      const attrs = Array.from({ length: el.attributes.length }, (_, i) => el.attributes.item(i)!).map((a) => ` ${a.name}="${escapeText(a.value)}"`).join('');
      const kids = Array.from(el.childNodes as unknown as ArrayLike<Node>).filter((k) => k.nodeType !== 3 || (k.nodeValue ?? '').trim() !== '');
      const signed = signedIds.has(el.getAttribute('ID') ?? '\u0000');
      if (signed) out.push(`<span class="signed" title="covered by a verified signature">`);
      if (kids.length === 0) out.push(`${pad}&lt;${escapeText(el.tagName)}${attrs}/&gt;\n`);
      else if (kids.length === 1 && kids[0]!.nodeType === 3) out.push(`${pad}&lt;${escapeText(el.tagName)}${attrs}&gt;${escapeText(kids[0]!.nodeValue ?? '')}&lt;/${escapeText(el.tagName)}&gt;\n`);
      else {
        out.push(`${pad}&lt;${escapeText(el.tagName)}${attrs}&gt;\n`);
        for (const k of kids) walk(k, depth + 1);
        out.push(`${pad}&lt;/${escapeText(el.tagName)}&gt;\n`);
      }
      if (signed) out.push('</span>');
    } else if (node.nodeType === 3 || node.nodeType === 4) {
      out.push(`${pad}${escapeText((node.nodeValue ?? '').trim())}\n`);
    } else if (node.nodeType === 8) {
      out.push(`${pad}&lt;!--${escapeText(node.nodeValue ?? '')}--&gt;\n`);
    }
  };
  if (doc?.documentElement) walk(doc.documentElement, 0);
  return raw(`<div class="xml">${out.join('')}</div>`);
}

function findingsTable(findings: readonly Finding[]): RawHtml {
  if (findings.length === 0) return html`<p>No findings: TFE would accept this response as samlgate did.</p>`;
  return html`<table><thead><tr><th>Severity</th><th>Code</th><th>What was found</th><th>Fix</th></tr></thead><tbody>
${findings.map((f) => html`<tr><td class="sev-${f.severity}">${f.severity}</td><td><code>${f.code}</code></td><td>${f.message}<br><small>${f.why}</small></td><td>${f.fix}</td></tr>`)}</tbody></table>`;
}

export function loginAttemptsPage(page: PageContext, attempts: readonly LoginAttempt[], debugOn: boolean): string {
  return layout('SAML debug', page, html`<h2>Recent SAML login attempts</h2>
${debugOn ? '' : html`<p class="warn">SAML debug is off: attempts are not recorded. Turn it on with the admin SAML setting <code>debug</code> (<code>PATCH /api/v2/admin/saml-settings</code>) or <code>gateway.samlDebug: true</code> (on by default with <code>--clock manual</code>).</p>`}
${attempts.length === 0 ? html`<p>None yet.</p>` : html`<table><thead><tr><th>When</th><th>Outcome</th><th>User</th><th>Service account</th><th>Findings</th></tr></thead><tbody>
${attempts.map((a) => html`<tr><td><a href="/app/admin/saml/attempts/${a.id}">${when(page, a.at)}</a></td><td>${a.outcome}${a.code ? html` <code>${a.code}</code>` : ''}</td><td>${a.nameId ?? ''}</td>
<td>${a.serviceAccount ? (a.serviceAccount.flagged ? 'flagged' : 'not flagged') : ''}</td><td>${a.findings.length}</td></tr>`)}</tbody></table>`}`);
}

export function loginAttemptPage(page: PageContext, a: LoginAttempt): string {
  const signedIds = new Set<string>();
  if (a.xml) {
    const ids = [...a.xml.matchAll(/<(?:\w+:)?(Response|Assertion)\b[^>]*?\sID="([^"]+)"/g)];
    for (const m of ids) if ((m[1] === 'Response' && a.signed.response) || (m[1] === 'Assertion' && a.signed.assertion)) signedIds.add(m[2]!);
  }
  return layout('SAML login attempt', page, html`<h2>Login attempt ${a.id}: ${a.outcome}</h2>
<p>${when(page, a.at)}${a.nameId ? html` · NameID <code>${a.nameId}</code>` : ''}</p>
${a.outcome === 'refused' ? html`<p class="flash"><strong>${a.code}</strong>: ${a.detail}<br>Fix: ${a.fix}</p>` : ''}
<h3>Service account (rule F1)</h3>
<p>${a.serviceAccount ? (a.serviceAccount.flagged ? 'Flagged: IsServiceAccount=true with NameFormat basic. API tokens survive the SSO session.' : 'Not flagged: API tokens stop working when the SSO session ends.') : 'Not decided (the response was refused before the attributes were read).'}</p>
<h3>Attributes</h3>
${a.attributes.length === 0 ? html`<p>None.</p>` : html`<table><thead><tr><th>Name</th><th>NameFormat</th><th>Values</th></tr></thead><tbody>
${a.attributes.map((at) => html`<tr><td><code>${at.name ?? '(no Name)'}</code></td><td><code>${at.nameFormat ?? '(absent)'}</code></td><td>${at.values.map((v) => (v.kind === 'text' ? JSON.stringify(v.text) : `(${v.kind})`)).join(', ')}</td></tr>`)}</tbody></table>`}
<h3>Findings</h3>
${findingsTable(a.findings)}
<h3>Response${a.signed.response || a.signed.assertion ? html` <small>(green: covered by a verified signature)</small>` : ''}</h3>
${a.xml ? prettyXml(a.xml, signedIds) : html`<p>The SAMLResponse field could not be decoded.</p>`}
${a.decryptedAssertionXml ? html`<h3>Decrypted assertion</h3>${prettyXml(a.decryptedAssertionXml, a.signed.assertion ? new Set([...a.decryptedAssertionXml.matchAll(/\sID="([^"]+)"/g)].slice(0, 1).map((m) => m[1]!)) : new Set())}` : ''}`);
}

/** A refused login, with debug on: the reason and the fix, and a link to the full report. */
export function refusedLoginPage(page: PageContext, o: { code: string; detail: string; fix: string | null; attemptId: number | null; isAdmin: boolean }): string {
  return layout('Sign-in failed', page, html`<h2>Sign-in failed</h2>
<p><strong><code>${o.code}</code></strong>: ${o.detail}</p>
${o.fix ? html`<p><strong>Fix:</strong> ${o.fix}</p>` : ''}
<p><small>This detail is shown because SAML debug is on (<code>gateway.samlDebug</code>); with it off the browser sees only the code.</small></p>
${o.attemptId !== null ? html`<p>Full report: <a href="/app/admin/saml/attempts/${o.attemptId}">login attempt ${o.attemptId}</a> (site admins).</p>` : ''}
<p><a href="/session">Sign in again</a></p>`);
}

/** The "your IdP sent a near-miss" note for the account and admin users pages. */
export function loginNote(note: UserLoginNote | undefined): RawHtml {
  if (!note || note.notes.length === 0) return html``;
  return html`<div class="flash" role="note">At the last login the IdP sent: <ul>${note.notes.map((n) => html`<li>${n.message}; ${n.fix}</li>`)}</ul></div>`;
}
