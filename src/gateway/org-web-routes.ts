import { Router } from 'express';
import type { GatewayContext } from './context.ts';
export function orgWebRoutes(_ctx: GatewayContext): Router {
  return Router();
}
