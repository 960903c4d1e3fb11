import { createRedactor, type Redact } from '../util/redact.ts';
import { driverFor } from './channels/index.ts';
import { type ChannelConfig, channelName } from './config.ts';

export type { Redact } from '../util/redact.ts';

/** Masks every channel secret (signing keys, tokens in URLs, custom header values) by the project's one policy. */
export const redactor = (channels: readonly ChannelConfig[]): Redact =>
  createRedactor(channels.flatMap((channel) => driverFor(channel).secrets(channel)));

/** "dingtalk-1 (dingtalk, oapi.dingtalk.com)": what output may say about a channel. */
export const channelLabel = (channel: ChannelConfig, index: number): string =>
  `${channelName(channel, index)} (${channel.kind}, ${driverFor(channel).describe(channel)})`;
