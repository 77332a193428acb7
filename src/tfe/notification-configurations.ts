/**
 * Notification configurations (TFE API: notification-configurations): a workspace's webhooks,
 * Slack, Microsoft Teams and email notifications. Validation with TFE's messages; the token
 * (the HMAC key TFE signs generic payloads with) is write-only and never leaves the store.
 */
import type { WorkspaceRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { newId, type TfeDeps } from './deps.ts';
import { invalid, TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const NOTIFICATION_TYPE = 'notification-configurations';

export const DESTINATION_TYPES = ['generic', 'email', 'slack', 'microsoft-teams'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** TFE's trigger list (notification-configurations API, "Notification Triggers"). */
export const TRIGGERS: readonly string[] = [
  'run:created',
  'run:planning',
  'run:needs_attention',
  'run:applying',
  'run:completed',
  'run:errored',
  'assessment:check_failure',
  'assessment:drifted',
  'assessment:failed',
  'workspace:auto_destroy_reminder',
  'workspace:auto_destroy_run_results',
];

/** What a delivery attempt left behind, in TFE's `delivery-responses` shape. */
export interface DeliveryResponse {
  url: string;
  body: string;
  code: number;
  headers: Record<string, string[]>;
  'sent-at': string;
  successful: boolean;
}

export interface NotificationAttributes {
  name: string;
  destinationType: DestinationType;
  enabled: boolean;
  url: string | null;
  /** Write-only: signs generic payloads (X-TFE-Notification-Signature); never serialized. */
  token: string | null;
  triggers: string[];
  emailAddresses: string[];
  emailUserIds: string[];
  deliveryResponses: DeliveryResponse[];
}

/** The fields a create or update may set (undefined: not given). */
export interface NotificationInput {
  name?: string | undefined;
  destinationType?: string | undefined;
  enabled?: boolean | undefined;
  url?: string | null | undefined;
  token?: string | null | undefined;
  triggers?: string[] | undefined;
  emailAddresses?: string[] | undefined;
  emailUserIds?: string[] | undefined;
}

const needsUrl = (t: DestinationType) => t !== 'email';

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('url', 'Url is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid('url', 'Url must be an http or https URL');
}

/** The record's attributes after `input` on `base` (undefined on create), or a TfeError naming the field. */
export function applyNotificationInput(input: NotificationInput, base?: NotificationAttributes): NotificationAttributes {
  const destination = input.destinationType ?? base?.destinationType;
  if (destination === undefined) throw invalid('destination-type', "Destination type can't be blank");
  if (!(DESTINATION_TYPES as readonly string[]).includes(destination)) throw invalid('destination-type', `Destination type is not included in the list (${DESTINATION_TYPES.join(', ')})`);
  if (base && input.destinationType !== undefined && input.destinationType !== base.destinationType) throw invalid('destination-type', 'Destination type cannot be changed');
  const name = input.name !== undefined ? input.name.trim() : base?.name;
  if (!name) throw invalid('name', "Name can't be blank");
  if (name.length > 255) throw invalid('name', 'Name is too long (maximum is 255 characters)');
  const enabled = input.enabled ?? base?.enabled;
  if (enabled === undefined) throw invalid('enabled', "Enabled can't be blank");
  const url = input.url !== undefined ? input.url : (base?.url ?? null);
  const type = destination as DestinationType;
  if (needsUrl(type)) {
    if (!url) throw invalid('url', "Url can't be blank");
    checkUrl(url);
  }
  const triggers = input.triggers ?? base?.triggers ?? [];
  for (const t of triggers) if (!TRIGGERS.includes(t)) throw invalid('triggers', `Triggers "${t}" is not a valid trigger`);
  const emailAddresses = input.emailAddresses ?? base?.emailAddresses ?? [];
  if (emailAddresses.length && type !== 'email') throw invalid('email-addresses', 'Email addresses can only be set for the email destination type');
  for (const e of emailAddresses) if (!/^[^\s@]+@[^\s@]+$/.test(e)) throw invalid('email-addresses', `Email addresses "${e}" is not a valid email address`);
  const emailUserIds = input.emailUserIds ?? [];
  if (emailUserIds.length && type !== 'email') throw invalid('users', 'Users can only be set for the email destination type');
  return {
    name,
    destinationType: type,
    enabled,
    url: needsUrl(type) ? url : null,
    token: input.token !== undefined ? input.token : (base?.token ?? null),
    triggers: [...new Set(triggers)],
    emailAddresses,
    emailUserIds: [...new Set(emailUserIds)],
    deliveryResponses: base?.deliveryResponses ?? [],
  };
}

export type NotificationConfiguration = ResourceRecord<NotificationAttributes>;

/** `attrs` from applyNotificationInput, its email users already checked to be organization members. */
export async function createNotification(d: TfeDeps, workspace: WorkspaceRecord, attrs: NotificationAttributes): Promise<NotificationConfiguration> {
  const record = newResource({ id: newId(d.ids, 'nc'), type: NOTIFICATION_TYPE, organizationId: workspace.organizationId, workspaceId: workspace.id, at: d.clock.now(), attributes: attrs });
  await d.store.resources.create(record);
  return record;
}

export async function updateNotification(d: Pick<TfeDeps, 'store' | 'clock'>, nc: NotificationConfiguration, attrs: NotificationAttributes): Promise<NotificationConfiguration> {
  const updated = await d.store.resources.update<NotificationAttributes>(NOTIFICATION_TYPE, nc.id, { attributes: attrs, updatedAt: d.clock.now() });
  if (!updated) throw new TfeError('not-found', 'notification configuration not found');
  return updated;
}

/** TFE keeps the last delivery's response (the verify action shows it); written after the call, never held open across it. */
export async function recordDelivery(d: Pick<TfeDeps, 'store' | 'clock'>, nc: NotificationConfiguration, response: DeliveryResponse): Promise<NotificationConfiguration> {
  return updateNotification(d, nc, { ...nc.attributes, deliveryResponses: [response] });
}

export async function deleteNotification(d: Pick<TfeDeps, 'store'>, nc: NotificationConfiguration): Promise<boolean> {
  return d.store.resources.delete(NOTIFICATION_TYPE, nc.id);
}
