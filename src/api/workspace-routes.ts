/**
 * Registers the workspace-domain resources on the flat /api/v2 router, and the capability-URL
 * router (TFE's archivist: configuration uploads, state downloads, plan and apply logs) that
 * works without a token because the signed URL is the permission.
 */
import express, { Router } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { addConfigurationVersionRoutes, SLUG_LIMIT, uploadHandler } from './configuration-versions.ts';
import { sendNotFound } from './jsonapi.ts';
import { planExportDownloadHandler } from './plan-exports.ts';
import { addPlanApplyRoutes, logHandler } from './plans-applies.ts';
import { moduleUploadHandler } from './registry-modules.ts';
import { addRunRoutes } from './runs.ts';
import { addStateVersionRoutes, downloadHandler } from './state-versions.ts';
import { addTeamWorkspaceRoutes } from './team-workspaces.ts';
import { addVariableRoutes } from './variables.ts';
import { addWorkspaceRoutes } from './workspaces.ts';

export function addWorkspaceApiRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  addWorkspaceRoutes(router, ctx);
  addTeamWorkspaceRoutes(router, ctx);
  addConfigurationVersionRoutes(router, ctx);
  addRunRoutes(router, ctx);
  addPlanApplyRoutes(router, ctx);
  addStateVersionRoutes(router, ctx);
  addVariableRoutes(router, ctx);
}

export function archivistRouter(ctx: GatewayContext): Router {
  const router = Router();
  const upload = uploadHandler(ctx);
  const download = downloadHandler(ctx);
  const logs = logHandler(ctx);
  const planExport = planExportDownloadHandler(ctx);
  const moduleUpload = moduleUploadHandler(ctx);
  router.put('/:token', express.raw({ type: () => true, limit: SLUG_LIMIT }), (req, res) =>
    ctx.capabilities.kindOf(req.params.token) === 'module-upload' ? moduleUpload(req, res, req.params.token) : upload(req, res, req.params.token));
  router.get('/:token', (req, res) => {
    const kind = ctx.capabilities.kindOf(req.params.token);
    if (kind === 'state-download') return download(req, res, req.params.token);
    if (kind === 'plan-log' || kind === 'apply-log') return logs(req, res, req.params.token);
    if (kind === 'plan-export-download') return planExport(req, res, req.params.token);
    sendNotFound(res);
  });
  router.use((_req, res) => sendNotFound(res));
  return router;
}
