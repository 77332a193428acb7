/**
 * The legacy v1 state API (rule T4), as Terraform's old `atlas` remote backend speaks it:
 *   GET /api/v1/terraform/state/:org/:workspace   the current state's raw JSON, Content-MD5 (base64)
 *   PUT /api/v1/terraform/state/:org/:workspace   raw state JSON; Content-MD5 checked if sent; ?force=true
 * Bound to the same state versions as /api/v2. Authenticated by `X-Atlas-Token` (or Bearer) with
 * USER tokens only: team and organization tokens are refused by the one token policy
 * (src/tfe/token-validity.ts, api 'v1'), and user tokens stay under rules S2-S4 here too.
 */
import express, { Router, type Request, type Response } from 'express';
import { md5Hex, writeStateVersion } from '../tfe/state-versions.ts';
import { authenticateToken, extractBearer } from '../gateway/auth.ts';
import { withinRateLimit } from '../gateway/rate-limit.ts';
import { TfeError } from '../tfe/errors.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { sendError, sendErrors, sendNotFound } from './jsonapi.ts';
import { holderOf, loadWorkspaceByName } from './workspace-facts.ts';
import { principalOf } from './principal.ts';

export const V1_STATE_PATH = '/api/v1/terraform/state/:org/:workspace';

function secretOf(req: Request): string | undefined | null {
  const atlas = req.get('x-atlas-token');
  if (atlas !== undefined) return atlas.trim();
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  return extractBearer(header);
}

const invalidV1 = (res: Response, detail: string) => sendErrors(res, 422, [{ status: '422', title: 'invalid state', detail, source: { pointer: '/' } }]);

export function v1StateRouter(ctx: GatewayContext): Router {
  const router = Router();
  router.use(V1_STATE_PATH, async (req, res, next) => {
    const secret = secretOf(req);
    if (secret === undefined) return sendError(res, 401, 'unauthorized', 'send a user API token as "X-Atlas-Token: <token>" (or "Authorization: Bearer <token>")');
    if (!secret) return sendError(res, 401, 'unauthorized', 'the Authorization header must be "Bearer <token>"');
    const result = await authenticateToken(ctx, secret, 'v1');
    if (!result.ok) return sendError(res, 401, 'unauthorized', result.detail);
    // The same per-token limit as /api/v2 (regression: the v1 API was never counted).
    if (!withinRateLimit(ctx.rateLimiter, result.principal, req, res)) return;
    req.principal = result.principal;
    next();
  });

  router.get(V1_STATE_PATH, async (req, res) => {
    const scope = await loadWorkspaceByName(ctx, principalOf(req), req.params.org, req.params.workspace);
    if (!scope || !scope.may('workspace:read-state')) return sendNotFound(res);
    const id = scope.workspace.currentStateVersionId;
    const [sv, state] = id ? await Promise.all([ctx.store.stateVersions.get(id), ctx.store.stateVersions.getState(id)]) : [undefined, undefined];
    if (!sv || !state) return res.status(204).end();
    res.status(200).setHeader('Content-Type', 'application/json');
    res.setHeader('Content-MD5', Buffer.from(sv.md5, 'hex').toString('base64'));
    res.end(state);
  });

  router.put(V1_STATE_PATH, express.raw({ type: () => true, limit: '10mb' }), async (req, res) => {
    const scope = await loadWorkspaceByName(ctx, principalOf(req), req.params.org, req.params.workspace);
    if (!scope || !scope.may('workspace:create-state-version')) return sendNotFound(res);
    const holder = holderOf(principalOf(req));
    const lock = scope.workspace.lockedBy;
    if (lock && (lock.kind !== holder.kind || lock.id !== holder.id)) {
      throw new TfeError('locked', 'the workspace is locked by someone else; the state can only be written by the holder of the lock');
    }
    const state = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (state.length === 0) return invalidV1(res, 'the request body must be the Terraform state (JSON)');
    const header = req.get('content-md5');
    let md5: string;
    if (header !== undefined) {
      const digest = Buffer.from(header, 'base64');
      if (digest.length !== 16) return invalidV1(res, 'Content-MD5 must be the base64 of the 16-byte MD5 digest of the body');
      md5 = digest.toString('hex');
    } else {
      md5 = md5Hex(state);
    }
    const result = await writeStateVersion(ctx, scope.workspace, { state, md5, force: req.query.force === 'true', runId: null, createdBy: holder });
    if (!result.ok) {
      const r = result.rejection;
      if (r.code === 'stale') throw new TfeError('stale', r.detail);
      return invalidV1(res, r.field === 'md5' ? `Content-MD5 does not match the body: ${r.detail}` : r.detail);
    }
    res.status(200).end();
  });
  return router;
}
