/**
 * TFE "Admin Settings: SAML": GET/PATCH /api/v2/admin/saml-settings (site admins; others 404).
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/admin/settings#saml-settings
 * Every attribute TFE documents; a PATCH takes effect on the next request (src/tfe/saml-settings.ts).
 */
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import { certificateFromPem } from '../saml/keys.ts';
import type { SamlSettings } from '../tfe/saml-settings.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { ApiInputError, parseBody, sendDocument } from './jsonapi.ts';
import { samlSettingsResource } from './serializers.ts';

const pem = z.string().nullable();
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullable();
const attrName = z.string().trim().min(1, 'must not be empty').max(255);
const hashMethod = z.enum(['SHA1', 'SHA256'], { error: 'must be SHA1 or SHA256' });

const patchBody = z.object({
  data: z.object({
    type: z.literal('saml-settings', { error: 'must be "saml-settings"' }).optional(),
    attributes: z.strictObject({
      enabled: z.boolean().optional(),
      debug: z.boolean().optional(),
      'old-idp-cert': pem.optional(),
      'idp-cert': pem.optional(),
      'slo-endpoint-url': url.optional(),
      'sso-endpoint-url': url.optional(),
      'attr-username': attrName.optional(),
      'attr-groups': attrName.optional(),
      'attr-site-admin': attrName.optional(),
      'site-admin-role': attrName.optional(),
      'sso-api-token-session-timeout': z.number({ error: 'must be a number of seconds' }).int('must be whole seconds').min(60, 'must be at least 60 seconds').max(31_536_000, 'must be at most a year').optional(),
      'team-management-enabled': z.boolean().optional(),
      certificate: pem.optional(),
      'private-key': z.string().nullable().optional(),
      'signature-signing-method': hashMethod.optional(),
      'signature-digest-method': hashMethod.optional(),
      'want-assertions-signed': z.boolean().optional(),
      'authn-requests-signed': z.boolean().optional(),
    }, { error: 'unknown attribute: see TFE\'s SAML settings for the list' }).default({}),
  }),
});

export function addAdminSamlSettingsRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const gw = ctx.config.gateway;
  const readOnly = { 'acs-consumer-url': gw.acsUrl, 'metadata-url': gw.entityId };

  // /admin/* already answers 404 to non-admins (admin-users.ts mounts the guard first).
  router.get('/admin/saml-settings', (_req, res) => {
    sendDocument(res, 200, { data: samlSettingsResource(ctx.samlSettings.current(), readOnly) });
  });

  router.patch('/admin/saml-settings', async (req, res) => {
    const { 'private-key': privateKey, ...attrs } = parseBody(req, patchBody).data.attributes;
    for (const field of ['idp-cert', 'old-idp-cert', 'certificate'] as const) {
      const value = attrs[field];
      if (typeof value !== 'string') continue;
      try {
        certificateFromPem(value);
      } catch (err) {
        throw new ApiInputError([{ status: '422', title: 'invalid attribute', detail: `${field}: ${(err as Error).message}`, source: { pointer: `/data/attributes/${field}` } }]);
      }
    }
    if (privateKey !== undefined) {
      // TFE takes the SP key here; samlgate's SP key comes from --sp-key and is never replaced over HTTP.
      throw new ApiInputError([{ status: '422', title: 'invalid attribute', detail: 'private-key: samlgate signs with the key given by --sp-key; it cannot be changed through the API', source: { pointer: '/data/attributes/private-key' } }]);
    }
    const updated = await ctx.samlSettings.update(attrs as Partial<SamlSettings>);
    ctx.logger.info({ changed: Object.keys(attrs) }, 'SAML settings updated');
    sendDocument(res, 200, { data: samlSettingsResource(updated, readOnly) });
  });
}
