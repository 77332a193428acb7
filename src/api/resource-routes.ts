/**
 * Registers the TFE resources behind the organization's `permissions` keys (policies, policy
 * sets, SSH keys, agent pools, variable sets, projects, notification configurations, run
 * triggers, registry modules, plan exports, tags) on the flat /api/v2 router. Each family has its
 * own route module; their records live in the store's resources section (types-resources.ts).
 * One line per family, so families added in parallel merge without touching each other.
 */
import type { ApiRoutes } from '../http/route-table.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { addAgentPoolRoutes } from './agent-pools.ts';
import { addNotificationConfigurationRoutes } from './notification-configurations.ts';
import { addPlanExportRoutes } from './plan-exports.ts';
import { addPolicyCheckRoutes } from './policy-checks.ts';
import { addPolicyRoutes } from './policies.ts';
import { addProjectRoutes } from './projects.ts';
import { addRegistryRoutes } from './registry-modules.ts';
import { addRunTriggerRoutes } from './run-triggers.ts';
import { addSshKeyRoutes } from './ssh-keys.ts';
import { addTagRoutes } from './tags.ts';
import { addVarsetRoutes } from './varsets.ts';

export function addResourceApiRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  addNotificationConfigurationRoutes(router, ctx);
  addRunTriggerRoutes(router, ctx);
  addRegistryRoutes(router, ctx);
  addPolicyRoutes(router, ctx);
  addPolicyCheckRoutes(router, ctx);
  addSshKeyRoutes(router, ctx);
  addAgentPoolRoutes(router, ctx);
  addPlanExportRoutes(router, ctx);
  addVarsetRoutes(router, ctx);
  addTagRoutes(router, ctx);
  addProjectRoutes(router, ctx);
}
