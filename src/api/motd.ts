/**
 * `motd.v1` from /.well-known/terraform.json: Terraform fetches it after `terraform login` and
 * prints `msg` (TFE answers `{"msg": "..."}` on /api/terraform/motd). Every advertised service must
 * answer; before this module the path was a 404.
 */
import type { Express } from 'express';

export const MOTD_PATH = '/api/terraform/motd';

export function addMotdRoute(app: Express, o: { loginUrl: string }): void {
  const body = JSON.stringify({
    msg:
      'Signed in to samlgate, a local stand-in for Terraform Enterprise with SAML SSO. ' +
      'Your token is an ordinary user token: it stops working when your SSO session ends, unless the IdP ' +
      `flags you with IsServiceAccount=true. Sign in again at ${o.loginUrl} to revive it.`,
  });
  app.get(MOTD_PATH, (_req, res) => {
    res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(body);
  });
}
