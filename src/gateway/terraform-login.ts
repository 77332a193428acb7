/**
 * `terraform login <gateway host>`: Terraform's server-side login protocol (Terraform internals,
 * "Server-side Login Protocol"). Service discovery advertises `login.v1`; the CLI then runs an
 * OAuth 2.0 authorization code grant with PKCE (RFC 6749 4.1, RFC 7636) as the public client
 * `terraform-cli`, opening the browser at the authorization endpoint and listening on
 * http://localhost:10000-10010/login for the redirect.
 *
 * The browser step is the ordinary SAML login (/session), then a consent page; the token endpoint
 * hands out an ordinary user token made by createUserToken() (src/tfe/tokens.ts), so it obeys rules S2-S4 exactly like a
 * token created on the tokens page: it gets 401 once the SSO session ends, unless the user is a
 * flagged service account.
 */
import express, { Router, type Request, type Response } from 'express';
import type { GatewayContext } from './context.ts';
import { csrfTokenMatches } from './auth.ts';
import { createUserToken, revokeToken } from '../tfe/tokens.ts';
import { pageContext } from '../sp/sp-routes.ts';
import {
  AuthorizationCodes,
  CODE_CHALLENGE_SHAPE,
  isTerraformRedirectUri,
  TERRAFORM_CLIENT_ID,
  TERRAFORM_PORTS,
  type OAuthErrorCode,
} from './terraform-login-codes.ts';
import { messagePage } from '../pages/views/pages.ts';
import { consentPage } from '../pages/views/terraform-login.ts';

export const AUTHZ_PATH = '/oauth/authorization';
export const TOKEN_PATH = '/oauth/token';

/** The `login.v1` entry of /.well-known/terraform.json (login protocol: client, grant_types, authz, token, ports). */
export const LOGIN_V1 = {
  client: TERRAFORM_CLIENT_ID,
  grant_types: ['authz_code'],
  authz: AUTHZ_PATH,
  token: TOKEN_PATH,
  ports: [...TERRAFORM_PORTS],
};

/** The authorization request, as Terraform sends it (RFC 6749 4.1.1 + RFC 7636 4.3). */
interface AuthzRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
}

const str = (source: unknown, name: string): string | undefined => {
  const v = (source as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
};

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

type Parsed =
  | { ok: true; request: AuthzRequest }
  /** Client or redirect URI unusable: say so here, never redirect (RFC 6749 4.1.2.1). */
  | { ok: false; redirect: false; detail: string }
  /** Anything else: report to the client through its redirect URI. */
  | { ok: false; redirect: true; uri: string; error: string; description: string; state: string | undefined };

function parseAuthzRequest(source: unknown): Parsed {
  const clientId = str(source, 'client_id');
  const redirectUri = str(source, 'redirect_uri');
  const state = str(source, 'state');
  if (clientId !== TERRAFORM_CLIENT_ID) {
    return { ok: false, redirect: false, detail: `client_id must be "${TERRAFORM_CLIENT_ID}" (got ${clientId === undefined ? 'none' : JSON.stringify(clientId)}): this endpoint serves terraform login only` };
  }
  if (redirectUri === undefined || !isTerraformRedirectUri(redirectUri)) {
    return { ok: false, redirect: false, detail: `redirect_uri must be Terraform's loopback listener http://localhost:${TERRAFORM_PORTS[0]}-${TERRAFORM_PORTS[1]}/login (got ${redirectUri === undefined ? 'none' : JSON.stringify(redirectUri)})` };
  }
  const fail = (error: string, description: string): Parsed => ({ ok: false, redirect: true, uri: redirectUri, error, description, state });
  if (str(source, 'response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be "code"');
  if (str(source, 'code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE is required with code_challenge_method=S256 (plain is refused, RFC 7636 4.2)');
  const codeChallenge = str(source, 'code_challenge');
  if (codeChallenge === undefined || !CODE_CHALLENGE_SHAPE.test(codeChallenge)) return fail('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code_verifier');
  return { ok: true, request: { clientId, redirectUri, state, codeChallenge } };
}

function refuseAuthz(ctx: GatewayContext, req: Request, res: Response, parsed: Exclude<Parsed, { ok: true }>) {
  if (!parsed.redirect) {
    return res.status(400).type('html').send(messagePage(pageContext(ctx, req), 'Terraform login refused', `${parsed.detail}. Run terraform login again.`));
  }
  res.redirect(302, withParams(parsed.uri, { error: parsed.error, error_description: parsed.description, state: parsed.state }));
}

/** GET shows the consent page (after the SAML login); POST, with the session's CSRF token, issues the code. */
export function terraformAuthorizeRoutes(ctx: GatewayContext, codes: AuthorizationCodes): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  router.get(AUTHZ_PATH, (req, res) => {
    const parsed = parseAuthzRequest(req.query);
    if (!parsed.ok) return refuseAuthz(ctx, req, res, parsed);
    // Not signed in (or the session ended): the SAML login first, then back here (a local path only).
    if (!req.webUser) return res.redirect(303, `/session?return_to=${encodeURIComponent(req.originalUrl)}`);
    res.set('Cache-Control', 'no-store').type('html').send(consentPage(pageContext(ctx, req), { ...parsed.request, user: req.webUser }));
  });

  router.post(AUTHZ_PATH, form, (req, res) => {
    const parsed = parseAuthzRequest(req.body);
    if (!parsed.ok) return refuseAuthz(ctx, req, res, parsed);
    if (!req.webUser) return res.status(401).type('html').send(messagePage(pageContext(ctx, req), 'Sign in required', 'Your session ended before you confirmed: run terraform login again.'));
    if (!csrfTokenMatches(req.session.csrfToken, req.body?._csrf)) {
      return res.status(403).type('html').send(messagePage(pageContext(ctx, req), 'Request refused', 'The form was missing its CSRF token; run terraform login again.'));
    }
    const { request } = parsed;
    if (str(req.body, 'decision') !== 'allow') {
      ctx.logger.info({ event: 'terraform-login.denied', userId: req.webUser.id }, 'terraform login denied by the user');
      return res.redirect(302, withParams(request.redirectUri, { error: 'access_denied', error_description: 'the user declined', state: request.state }));
    }
    const code = codes.issue({ userId: req.webUser.id, clientId: request.clientId, redirectUri: request.redirectUri, codeChallenge: request.codeChallenge });
    ctx.logger.info({ event: 'terraform-login.authorized', userId: req.webUser.id, redirectUri: request.redirectUri }, 'terraform login authorized');
    res.redirect(302, withParams(request.redirectUri, { code, state: request.state }));
  });

  return router;
}

function oauthError(res: Response, status: number, error: OAuthErrorCode, description: string) {
  // RFC 6749 5.2: a JSON error body; 5.1: never cached.
  res.status(status).set('Cache-Control', 'no-store').set('Pragma', 'no-cache').json({ error, error_description: description });
}

/** RFC 6749 2.3.1: client credentials in HTTP Basic, form-encoded. golang.org/x/oauth2 tries this first. */
function basicClientId(header: string | undefined): string | undefined | null {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  try {
    return decodeURIComponent((colon < 0 ? decoded : decoded.slice(0, colon)).replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** POST /oauth/token: code + code_verifier -> a user token (RFC 6749 4.1.3-4.1.4). */
export function terraformTokenEndpoint(ctx: GatewayContext, codes: AuthorizationCodes): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });
  router.post(TOKEN_PATH, form, async (req, res) => {
    if (!req.is('application/x-www-form-urlencoded')) return oauthError(res, 400, 'invalid_request', 'send the token request as application/x-www-form-urlencoded (RFC 6749 4.1.3)');
    const body = req.body as Record<string, unknown>;
    if (str(body, 'grant_type') !== 'authorization_code') return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be "authorization_code"');
    const fromHeader = basicClientId(req.headers.authorization);
    if (fromHeader === null) return oauthError(res, 401, 'invalid_client', 'the Authorization header is not HTTP Basic client authentication');
    const fromBody = str(body, 'client_id');
    if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) return oauthError(res, 400, 'invalid_request', 'client_id differs between the Authorization header and the body');
    const clientId = fromHeader ?? fromBody;
    if (clientId === undefined) return oauthError(res, 400, 'invalid_request', 'client_id is required (RFC 6749 4.1.3)');
    if (clientId !== TERRAFORM_CLIENT_ID) return oauthError(res, 401, 'invalid_client', `unknown client ${JSON.stringify(clientId)}: only ${TERRAFORM_CLIENT_ID} may use this endpoint`);
    const code = str(body, 'code');
    if (code === undefined || code === '') return oauthError(res, 400, 'invalid_request', 'code is required');

    const result = codes.redeem({ code, clientId, redirectUri: str(body, 'redirect_uri'), codeVerifier: str(body, 'code_verifier') });
    if (!result.ok) {
      if (result.revokeTokenId) {
        await revokeToken(ctx.tfe, result.revokeTokenId);
        ctx.logger.warn({ event: 'terraform-login.code-reused', tokenId: result.revokeTokenId }, 'authorization code used twice: revoked the token it produced');
      } else {
        ctx.logger.info({ event: 'terraform-login.refused', error: result.error, reason: result.description }, 'terraform login token request refused');
      }
      return oauthError(res, 400, result.error, result.description);
    }
    const user = await ctx.store.users.get(result.grant.userId);
    if (!user || user.isSuspended) return oauthError(res, 400, 'invalid_grant', 'the user who authorized this code may no longer sign in');
    const { token, secret } = await createUserToken(ctx.tfe, user.id, { description: 'terraform login', expiredAt: null });
    ctx.logger.info({ tokenId: token.id, userId: user.id }, 'user token created');
    result.markRedeemed(token.id);
    res.status(200).set('Cache-Control', 'no-store').set('Pragma', 'no-cache').json({ access_token: secret, token_type: 'bearer' });
  });
  return router;
}
