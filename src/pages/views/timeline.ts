/** The timeline pages: /app/timeline (the signed-in user's story) and /app/admin/timeline (everyone's). */
import type { UserRecord } from '../../store/types.ts';
import { html, type RawHtml } from '../../util/html.ts';
import type { Story, StoryEntry } from '../../gateway/timeline-story.ts';
import type { SessionEndReason } from '../../gateway/timeline.ts';
import { layout, when, type PageContext } from './pages.ts';

const SESSION_END: Record<SessionEndReason, string> = {
  'idle-timeout': 'idle timeout: no page was opened for the idle time',
  'absolute-timeout': 'the session reached its maximum length',
  'saml-session-not-on-or-after': "the IdP's SessionNotOnOrAfter passed",
  'sign-out': 'signed out',
  suspended: 'the account was suspended',
};

function entryHtml(e: StoryEntry, page: PageContext, who: (userId: string | null) => RawHtml | string): RawHtml {
  const at = html`<span class="when">${when(e.at, page)}</span>`;
  switch (e.kind) {
    case 'login': {
      const flag = e.flagged === null ? 'IsServiceAccount not decided' : e.flagged ? 'IsServiceAccount read as true: service account, tokens outlive the SSO session' : 'not flagged as a service account: tokens need a live SSO session';
      return html`<li class="login">${at}${who(e.userId)}<strong>SAML login</strong>; flag synced: ${flag}${e.flagChanged ? html` <strong>(changed at this login)</strong>` : ''}${e.attemptId !== null && page.user?.isSiteAdmin ? html` · <a href="/app/admin/saml/attempts/${e.attemptId}">report</a>` : ''}</li>`;
    }
    case 'login-refused':
      return html`<li class="login-refused">${at}<strong>SAML login refused</strong>: <code>${e.code}</code>${e.nameId ? html` for <code>${e.nameId}</code>` : ''} · <a href="/app/admin/saml/attempts/${e.attemptId}">report</a></li>`;
    case 'session-ended':
      return html`<li class="session-ended">${at}${who(e.userId)}<strong>Web session ended</strong>: ${SESSION_END[e.reason]}</li>`;
    case 'token-refused':
      return html`<li class="refused">${at}${who(e.userId)}<strong>Token <code>${e.tokenId}</code> refused (401)</strong>${e.count > 1 ? html`, ${e.count} times, last ${when(e.lastAt, page)}` : ''}: <code>${e.reason}</code><br><span class="detail">${e.detail}</span></li>`;
  }
}

export function timelinePage(page: PageContext, story: Story, o: { everyone: boolean; users: readonly UserRecord[] }): string {
  const names = new Map(o.users.map((u) => [u.id, u.username]));
  const who = (userId: string | null) => (o.everyone ? html`<span class="who">${userId === null ? 'team or organization token' : names.get(userId) ?? userId}</span>: ` : '');
  return layout(o.everyone ? 'Timeline (all users)' : 'Timeline', page, html`<h2>${o.everyone ? 'Timeline of all users' : 'Your timeline'}</h2>
<p>Logins with the flag read at each, web session ends and refused tokens, newest first, on the gateway clock${page.manualClock ? ' (the dev clock)' : ''}.</p>
${story.everyLogin ? '' : html`<p class="warn">SAML debug is off, so only the last login of each user is known. Turn it on (<code>gateway.samlDebug: true</code>, on by default with <code>--clock manual</code>) to keep every login.</p>`}
${story.entries.length === 0 ? html`<p id="timeline-empty">Nothing yet.</p>` : html`<ol class="timeline" id="timeline">${story.entries.map((e) => entryHtml(e, page, who))}</ol>`}
<p><small>Kept in memory: the most recent events only, and nothing survives a restart.</small></p>`);
}
