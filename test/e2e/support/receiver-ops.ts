// Loaded by scripts/e2e/ns-agent.ts (`--ops`): the chat and webhook receivers, on 127.0.0.1 inside the
// namespace, so the check running there can deliver to them.
import type { AgentOps, AgentRequest } from '../../../scripts/e2e/ns-agent.ts';
import {
  type Receiver,
  type Reply,
  startDingTalkReceiver,
  startWebhookReceiver,
} from '../../support/receivers.ts';

const receivers = new Map<string, Receiver>();

const receiver = (name: unknown): Receiver => {
  const found = receivers.get(String(name));
  if (!found)
    throw new Error(`no receiver named ${String(name)} (started: ${[...receivers.keys()].join(', ')})`);
  return found;
};

/** What arrived since the last take, then forgotten: each run's notices are asserted on their own. */
const take = (r: Receiver) => {
  const messages = r.messages
    .splice(0)
    .map(({ title, text, mentions, body }) => ({ title, text, mentions, body }));
  const requests = r.requests.splice(0).map(({ path, rejected, scripted }) => ({
    path,
    ...(rejected ? { rejected } : {}),
    ...(scripted ? { scripted } : {}),
  }));
  return { messages, requests };
};

const closeAll = async (): Promise<void> => {
  await Promise.all([...receivers.values()].map((r) => r.close()));
  receivers.clear();
};

export const ops: AgentOps['ops'] = {
  /** {dingtalk?: {accessToken, secret}, webhook?: {secret}}: fresh receivers, replacing the previous ones. */
  'receivers.start': async (request: AgentRequest) => {
    await closeAll();
    const urls: Record<string, string> = {};
    if (request.dingtalk) {
      const r = await startDingTalkReceiver(request.dingtalk as { accessToken: string; secret: string });
      receivers.set('dingtalk', r);
      urls.dingtalk = `${r.url}`;
    }
    if (request.webhook) {
      const r = await startWebhookReceiver(request.webhook as { secret: string });
      receivers.set('webhook', r);
      urls.webhook = r.url;
    }
    return urls;
  },
  'receivers.take': async () => Object.fromEntries([...receivers].map(([name, r]) => [name, take(r)])),
  /** {name, replies}: the receiver's next answers, e.g. a 500 for a failing chat API. */
  'receivers.respondNext': async (request: AgentRequest) => {
    receiver(request.name).respondNext(...((request.replies ?? []) as Reply[]));
    return {};
  },
  'receivers.down': async (request: AgentRequest) => {
    await receiver(request.name).down();
    return {};
  },
  'receivers.up': async (request: AgentRequest) => {
    await receiver(request.name).up();
    return {};
  },
};

export const close = closeAll;
