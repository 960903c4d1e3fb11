import { driverFor } from './channels/index.ts';
import { type ChannelConfig, channelName } from './config.ts';

export type Redact = (text: string) => string;

/** Replaces every channel secret (signing keys, tokens in URLs, custom header values) with "***". */
export const redactor = (channels: readonly ChannelConfig[]): Redact => {
  const secrets = channels
    .flatMap((channel) => driverFor(channel).secrets(channel))
    .filter((secret) => secret.length > 0)
    // longest first, so a secret containing another is replaced whole
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of secrets) {
      out = out.split(secret).join('***');
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join('***');
    }
    return out;
  };
};

/** "dingtalk-1 (dingtalk, oapi.dingtalk.com)": what output may say about a channel. */
export const channelLabel = (channel: ChannelConfig, index: number): string =>
  `${channelName(channel, index)} (${channel.kind}, ${driverFor(channel).describe(channel)})`;
