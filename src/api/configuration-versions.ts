/**
 * Configuration versions (API docs: "Configuration Versions"):
 *   POST/GET /api/v2/workspaces/:id/configuration-versions     GET /api/v2/configuration-versions/:id
 *   PUT <upload-url>    the slug (tar.gz), to the capability URL the create response gave
 * Creating one is starting work, so an organization token gets 404 (T3). The upload URL is
 * absolute and signed (capability-urls.ts); a tampered or reused one is refused.
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { ConfigurationVersionRecord } from '../store/types.ts';
import { createConfigurationVersion, uploadConfigurationVersion } from '../tfe/configuration-versions.ts';
import { capabilityUrl, useCapability } from '../gateway/capability-standing.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { parseBody, sendDocument, sendNotFound } from './jsonapi.ts';
import { loadWorkspaceById, readPage, paginationMeta } from './workspace-facts.ts';
import { configurationVersionResource } from './workspace-serializers.ts';
import { principalOf } from './principal.ts';

const createBody = z.object({
  data: z
    .object({
      // The singular spelling is what @skorfmann/terraform-cloud sends by default, and TFC accepts it.
      type: z.enum(['configuration-versions', 'configuration-version'], { error: 'must be "configuration-versions"' }).optional(),
      attributes: z
        .object({
          'auto-queue-runs': z.boolean({ error: 'must be true or false' }),
          speculative: z.boolean({ error: 'must be true or false' }),
          provisional: z.literal(false, { error: 'provisional configuration versions are not simulated; leave it out or false' }),
        })
        .partial()
        .default({}),
    })
    .default({ attributes: {} }),
});

export function addConfigurationVersionRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const resource = (req: Request, res: Response) => (cv: ConfigurationVersionRecord) => configurationVersionResource(cv, capabilityUrl(ctx, req, res, 'cv-upload', cv.id));

  router.post('/workspaces/:id/configuration-versions', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope || !scope.may('workspace:create-configuration-version')) return sendNotFound(res);
    const a = parseBody(req, createBody).data.attributes;
    const cv = await createConfigurationVersion(ctx, scope.workspace.id, { autoQueueRuns: a['auto-queue-runs'], speculative: a.speculative });
    sendDocument(res, 201, { data: resource(req, res)(cv) });
  });

  router.get('/workspaces/:id/configuration-versions', async (req, res) => {
    const scope = await loadWorkspaceById(ctx, principalOf(req), req.params.id);
    if (!scope) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.configurationVersions.listByWorkspace(scope.workspace.id, page);
    sendDocument(res, 200, { data: result.items.map(resource(req, res)), meta: paginationMeta(page, result.total) });
  });

  router.get('/configuration-versions/:id', async (req, res) => {
    const cv = await ctx.store.configurationVersions.get(req.params.id);
    if (!cv || !(await loadWorkspaceById(ctx, principalOf(req), cv.workspaceId))) return sendNotFound(res);
    sendDocument(res, 200, { data: resource(req, res)(cv) });
  });
}

/** Most a slug may weigh (TFE's own limit is far higher; a test tool needs configurations, not data). */
export const SLUG_LIMIT = '10mb';

/** PUT <upload-url>: no token, the URL is the permission. */
export function uploadHandler(ctx: GatewayContext) {
  return async (req: Request, res: Response, token: string) => {
    const id = await useCapability(ctx, res, token, 'cv-upload');
    if (!id) return;
    const slug = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { run } = await uploadConfigurationVersion(ctx, id, slug);
    if (run) ctx.logger.info({ runId: run.id, configurationVersionId: id }, 'run queued by upload');
    res.status(200).end();
  };
}

