/** The consent page of `terraform login` (src/gateway/terraform-login.ts). */
import type { UserRecord } from '../../store/types.ts';
import { html } from '../../util/html.ts';
import { layout, type PageContext } from './pages.ts';

export function consentPage(page: PageContext, o: { user: UserRecord; clientId: string; redirectUri: string; state: string | undefined; codeChallenge: string }): string {
  const hidden = (name: string, value: string | undefined) => (value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}">`);
  return layout('Terraform login', page, html`<h2>Terraform CLI login</h2>
<p>Terraform on this computer asks for an API token for <strong>${o.user.username}</strong>. It will be handed to
<code>${o.redirectUri}</code>, the listener <code>terraform login</code> started.</p>
<p>${o.user.isServiceAccount
    ? 'You are a service account (IsServiceAccount=true): the token keeps working after your SSO session ends, until it is revoked.'
    : 'The token is an ordinary user token: it stops working (401) when your SSO session ends, and works again after your next SSO login.'}</p>
<p>If you did not just run <code>terraform login</code>, choose Cancel.</p>
<form method="post" action="/oauth/authorization">
<input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}">
${hidden('client_id', o.clientId)}${hidden('redirect_uri', o.redirectUri)}${hidden('state', o.state)}${hidden('code_challenge', o.codeChallenge)}
<input type="hidden" name="code_challenge_method" value="S256"><input type="hidden" name="response_type" value="code">
<button type="submit" name="decision" value="allow">Create the token for Terraform</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form>`);
}
