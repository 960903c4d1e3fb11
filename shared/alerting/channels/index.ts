import { z } from 'zod';
import { dingtalk } from './dingtalk.ts';
import { feishu } from './feishu.ts';
import type { ChannelDriver } from './types.ts';
import { webhook } from './webhook.ts';
import { wecom } from './wecom.ts';

/**
 * The one registry of channel kinds: a new channel is one file (schema, render, send) and one line here.
 * The config union, the kind list and the kind enum are all derived from it.
 */
export const CHANNELS = { dingtalk, webhook, feishu, wecom } as const;

type Registry = typeof CHANNELS;
export type ChannelKind = keyof Registry;
type AnySchema = Registry[ChannelKind]['schema'];
export type ChannelConfig = z.infer<AnySchema>;

export const CHANNEL_KINDS = Object.keys(CHANNELS) as ChannelKind[];
export const ChannelKind = z.enum(CHANNEL_KINDS as [ChannelKind, ...ChannelKind[]]);
export const ChannelConfig = z.discriminatedUnion(
  'kind',
  Object.values(CHANNELS).map((driver) => driver.schema) as unknown as [AnySchema, ...AnySchema[]],
);

/** The driver for a channel, typed by its kind. */
export const driverFor = <C extends ChannelConfig>(channel: C): ChannelDriver<C> =>
  CHANNELS[channel.kind] as unknown as ChannelDriver<C>;

export type {
  ChannelDefinition,
  ChannelDriver,
  Delivery,
  FailureKind,
  HttpRequest,
  RenderContext,
  SendDeps,
} from './types.ts';
