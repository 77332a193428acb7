/**
 * Registers the TFE resources behind the organization's `permissions` keys (policies, policy
 * sets, SSH keys, agent pools, variable sets, projects, notification configurations, run
 * triggers, registry modules, plan exports, tags) on the flat /api/v2 router. Each family has its
 * own route module; their records live in the store's resources section (types-resources.ts).
 * One line per family, so families added in parallel merge without touching each other.
 */
import type { Router } from 'express';
import type { GatewayContext } from '../context.ts';
import { addProjectRoutes } from './projects.ts';
import { addTagRoutes } from './tags.ts';
import { addVarsetRoutes } from './varsets.ts';

export function addResourceApiRoutes(router: Router, ctx: GatewayContext): void {
  void router;
  void ctx;
  addVarsetRoutes(router, ctx);
  addTagRoutes(router, ctx);
  addProjectRoutes(router, ctx);
}
