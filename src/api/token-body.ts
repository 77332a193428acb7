/** The optional body of a team/organization token POST: `expired-at` (and a description). */
import type { Request } from 'express';
import { z } from 'zod';
import { parseBody } from './jsonapi.ts';

const tokenBody = z.object({
  data: z.object({
    type: z.enum(['authentication-token', 'authentication-tokens'], { error: 'must be "authentication-tokens"' }).optional(),
    attributes: z.object({
      description: z.string().trim().min(1, 'must not be empty').max(255).nullish(),
      'expired-at': z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z' }).nullish(),
    }).default({}),
  }).default({ attributes: {} }),
}).default({ data: { attributes: {} } });

export function readTokenBody(req: Request): { description: string | null; expiredAt: number | null } {
  const a = parseBody(req, tokenBody).data.attributes;
  return { description: a.description ?? null, expiredAt: a['expired-at'] ? Date.parse(a['expired-at']) : null };
}
