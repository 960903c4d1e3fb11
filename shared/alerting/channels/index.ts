import type { ChannelConfig } from '../config.ts';
import { dingtalk } from './dingtalk.ts';
import { feishu } from './feishu.ts';
import type { ChannelDriver, ChannelDrivers } from './types.ts';
import { webhook } from './webhook.ts';
import { wecom } from './wecom.ts';

/** The one registry of channel kinds. */
export const CHANNEL_DRIVERS = { dingtalk, webhook, feishu, wecom } satisfies ChannelDrivers;

/** The driver for a channel, typed by its kind. */
export const driverFor = <C extends ChannelConfig>(channel: C): ChannelDriver<C> =>
  CHANNEL_DRIVERS[channel.kind] as unknown as ChannelDriver<C>;

export type { ChannelDriver, Delivery, HttpRequest, RenderContext, SendDeps } from './types.ts';
