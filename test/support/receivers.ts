// Loopback stand-ins for the chat vendors and a generic webhook receiver. Each verifies the wire format
// and the signature exactly as the vendor documents it, answers the way the vendor answers (errcode in a
// 200 body for DingTalk/WeCom, code for Feishu), and enforces the vendor's rate limit. Tests script faults
// with respondNext() and down()/up().
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Vendor = 'dingtalk' | 'feishu' | 'wecom' | 'webhook';

export type ReceivedRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: string;
  receivedAt: number;
  /** Why the receiver refused it, or undefined when it was accepted. */
  rejected?: string;
  /** A scripted answer was given instead of the normal one. */
  scripted?: boolean;
};

/** An accepted message: what the group chat (or the receiving system) would show. */
export type ReceivedMessage = {
  body: Record<string, unknown>;
  /** The readable text of the message (markdown/text content, or the webhook title). */
  text: string;
  title: string;
  /** Mentions that really show: in the `at`/mention list AND, where the vendor requires it, in the text. */
  mentions: string[];
  headers: IncomingMessage['headers'];
  receivedAt: number;
};

/**
 * A scripted answer. `stream` answers the status line and then a body that never ends: chunks of `chunkBytes`
 * every `everyMs` (0: as fast as the socket takes them). `hang` accepts the request and never answers at all.
 */
export type Reply = {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  stream?: { chunkBytes: number; everyMs: number };
  hang?: boolean;
  /** With hang: the receiver first handles the request as usual (stores the message), then never answers. */
  process?: boolean;
};

export type Receiver = {
  vendor: Vendor;
  /** The webhook address to put in a config (http on 127.0.0.1). */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  messages: ReceivedMessage[];
  /** Answers for the next requests, first in first out; the request is recorded but not accepted. */
  respondNext(...replies: Reply[]): void;
  /** Stop listening: connections are refused, as when the receiver is down. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
};

export type ReceiverOptions = {
  /** The receiver's clock, for signature freshness and rate limits. */
  now?: () => number;
  /** Answer every request only after this long (a slow vendor; widens races between overlapping runs). */
  respondAfterMs?: number;
};

/** Replies the vendors give when they refuse, for respondNext(). */
export const replies = {
  http500: { status: 500, body: 'internal error' },
  dingtalkThrottled: {
    status: 200,
    body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' },
  },
  dingtalkKeywordMismatch: { status: 200, body: { errcode: 310000, errmsg: 'keywords not in content' } },
  dingtalkSignMismatch: { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } },
  dingtalkBadToken: { status: 200, body: { errcode: 300001, errmsg: 'token is not exist' } },
  dingtalkBusy: { status: 200, body: { errcode: -1, errmsg: 'system busy' } },
  http503: { status: 503, body: 'service unavailable' },
  http404: { status: 404, body: 'not found' },
  http401: { status: 401, body: 'unauthorized' },
  wecomBadKey: { status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url, hint: [1700000000]' } },
  feishuKeyword: { status: 200, body: { code: 19024, msg: 'Key Words Not Found' } },
  feishuSign: {
    status: 200,
    body: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' },
  },
  /** 200 and a body that never ends, as fast as the socket takes it. */
  streamForever: { status: 200, body: '', stream: { chunkBytes: 64 * 1024, everyMs: 0 } },
  /** 200 and a body that trickles on for ever, a few bytes a tenth of a second: never too big, never done. */
  trickleForever: { status: 200, body: '', stream: { chunkBytes: 16, everyMs: 100 } },
  /** The request is read, no answer ever comes. */
  hang: { status: 0, body: '', hang: true },
  /** The receiver takes the message (stores it) and then never answers: the sender cannot know. */
  takeThenHang: { status: 0, body: '', hang: true, process: true },
  wecomThrottled: { status: 200, body: { errcode: 45009, errmsg: 'api freq out of limit' } },
  feishuThrottled: { status: 200, body: { code: 11232, msg: 'frequency limited psm' } },
} satisfies Record<string, Reply>;

type Verdict = { reply: Reply; message?: Omit<ReceivedMessage, 'headers' | 'receivedAt'> };
type Handler = (request: ReceivedRequest, now: number) => Verdict;

const json = (status: number, body: unknown): Reply => ({ status, body });

const parseJson = (raw: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

const sameSecret = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Sliding-window limit as the vendors apply it (DingTalk and WeCom: 20 a minute per robot). */
const limiter = (max: number, perMs: number) => {
  const accepted: number[] = [];
  return {
    full: (now: number) => accepted.filter((at) => now - at < perMs).length >= max,
    note: (now: number) => void accepted.push(now),
  };
};

const startReceiver = async (
  vendor: Vendor,
  handler: Handler,
  options: ReceiverOptions,
): Promise<Receiver> => {
  const now = options.now ?? Date.now;
  const requests: ReceivedRequest[] = [];
  const messages: ReceivedMessage[] = [];
  const script: Reply[] = [];

  const answer = (res: ServerResponse, reply: Reply) => {
    if (options.respondAfterMs) {
      setTimeout(() => send(res, reply), options.respondAfterMs);
      return;
    }
    send(res, reply);
  };
  const open = new Set<ServerResponse>();
  const send = (res: ServerResponse, reply: Reply) => {
    if (reply.hang) {
      open.add(res);
      return;
    }
    if (reply.stream) {
      const { chunkBytes, everyMs } = reply.stream;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      const chunk = Buffer.alloc(chunkBytes, 'a');
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const pump = () => {
        if (stopped) return;
        if (everyMs > 0) {
          res.write(chunk);
          timer = setTimeout(pump, everyMs);
          return;
        }
        while (!stopped && res.write(chunk)) {
          // as fast as the socket drains
        }
        if (!stopped) res.once('drain', pump);
      };
      res.on('close', () => {
        stopped = true;
        clearTimeout(timer);
      });
      pump();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      ...reply.headers,
    });
    res.end(text);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        raw: Buffer.concat(chunks).toString('utf8'),
        receivedAt: now(),
      };
      requests.push(request);
      const scripted = script.shift();
      if (scripted?.process) {
        request.scripted = true;
        const verdict = handler(request, request.receivedAt);
        if (verdict.message) {
          messages.push({ ...verdict.message, headers: req.headers, receivedAt: request.receivedAt });
        } else request.rejected = JSON.stringify(verdict.reply.body);
        answer(res, scripted);
        return;
      }
      if (scripted) {
        request.scripted = true;
        request.rejected = `scripted ${scripted.status}`;
        answer(res, scripted);
        return;
      }
      if (request.method !== 'POST') {
        request.rejected = `method ${request.method}`;
        answer(res, json(405, 'POST only'));
        return;
      }
      const verdict = handler(request, request.receivedAt);
      if (verdict.message) {
        messages.push({ ...verdict.message, headers: req.headers, receivedAt: request.receivedAt });
      } else request.rejected = JSON.stringify(verdict.reply.body);
      answer(res, verdict.reply);
    });
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const res of open) res.destroy();
      open.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const paths: Record<Vendor, string> = {
    dingtalk: '/robot/send',
    feishu: '/open-apis/bot/v2/hook/',
    wecom: '/cgi-bin/webhook/send',
    webhook: '/hook',
  };
  return {
    vendor,
    url: `http://127.0.0.1:${port}${paths[vendor]}`,
    port,
    requests,
    messages,
    respondNext: (...next) => void script.push(...next),
    down: stop,
    up: async () => {
      if (!server.listening) await listen(port);
    },
    close: stop,
  };
};

/**
 * DingTalk custom robot: POST /robot/send?access_token=..[&timestamp=..&sign=..].
 * sign = urlEncode(base64(HmacSHA256(secret, timestamp + "\n" + secret))), timestamp in ms, valid for one hour.
 * A mention shows only if the number is in `at.atMobiles` and "@number" is in the text.
 */
export const startDingTalkReceiver = async (
  options: ReceiverOptions & { accessToken?: string; secret?: string; keyword?: string } = {},
): Promise<Receiver & { accessToken: string }> => {
  const accessToken = options.accessToken ?? 'test-access-token';
  const limit = limiter(20, 60_000);
  const receiver = await startReceiver(
    'dingtalk',
    (request, now) => {
      if (request.path !== '/robot/send') return { reply: json(404, 'not found') };
      if (request.query.get('access_token') !== accessToken) {
        return { reply: json(200, { errcode: 300001, errmsg: 'token is not exist' }) };
      }
      if (options.secret) {
        const timestamp = request.query.get('timestamp') ?? '';
        const sign = request.query.get('sign') ?? '';
        const expected = createHmac('sha256', options.secret)
          .update(`${timestamp}\n${options.secret}`)
          .digest('base64');
        const fresh = /^\d{13}$/.test(timestamp) && Math.abs(now - Number(timestamp)) <= 3_600_000;
        if (!fresh || !sameSecret(sign, expected)) {
          return { reply: json(200, { errcode: 310000, errmsg: 'sign not match' }) };
        }
      }
      if (!String(request.headers['content-type']).startsWith('application/json')) {
        return { reply: json(200, { errcode: 40035, errmsg: 'content-type must be application/json' }) };
      }
      const body = parseJson(request.raw);
      const markdown = body?.markdown as Record<string, unknown> | undefined;
      const textPart = body?.text as Record<string, unknown> | undefined;
      const text =
        body?.msgtype === 'markdown'
          ? str(markdown?.text)
          : body?.msgtype === 'text'
            ? str(textPart?.content)
            : undefined;
      const title = body?.msgtype === 'markdown' ? str(markdown?.title) : '';
      if (!body || text === undefined || title === undefined) {
        return { reply: json(200, { errcode: 40035, errmsg: 'missing or invalid msgtype/content' }) };
      }
      if (options.keyword && !text.includes(options.keyword) && !title.includes(options.keyword)) {
        return { reply: json(200, { errcode: 310000, errmsg: 'keywords not in content' }) };
      }
      if (limit.full(now)) return { reply: replies.dingtalkThrottled };
      limit.note(now);
      const at = (body.at ?? {}) as Record<string, unknown>;
      const mentions = [...strings(at.atMobiles), ...strings(at.atUserIds)].filter((who) =>
        text.includes(`@${who}`),
      );
      if (at.isAtAll === true) mentions.push('all');
      return { reply: json(200, { errcode: 0, errmsg: 'ok' }), message: { body, text, title, mentions } };
    },
    options,
  );
  return {
    ...receiver,
    accessToken,
    url: `${receiver.url}?access_token=${accessToken}`,
  };
};

/**
 * Feishu custom bot: POST /open-apis/bot/v2/hook/{id}, JSON with timestamp (seconds, a string) and
 * sign = base64(HmacSHA256(key = timestamp + "\n" + secret, message = "")), valid for one hour.
 */
export const startFeishuReceiver = async (
  options: ReceiverOptions & { hookId?: string; secret?: string } = {},
): Promise<Receiver & { hookId: string }> => {
  const hookId = options.hookId ?? 'test-hook-id';
  const limit = limiter(100, 60_000);
  const receiver = await startReceiver(
    'feishu',
    (request, now) => {
      if (request.path !== `/open-apis/bot/v2/hook/${hookId}`) {
        return {
          reply: json(200, { code: 19001, msg: 'param invalid: incoming webhook access token invalid' }),
        };
      }
      const body = parseJson(request.raw);
      if (!body) return { reply: json(400, { code: 9499, msg: 'Bad Request' }) };
      if (options.secret) {
        const timestamp = str(body.timestamp) ?? '';
        const expected = createHmac('sha256', `${timestamp}\n${options.secret}`).update('').digest('base64');
        const fresh = /^\d{10}$/.test(timestamp) && Math.abs(now / 1000 - Number(timestamp)) <= 3600;
        if (!fresh || !sameSecret(str(body.sign) ?? '', expected)) {
          return {
            reply: json(200, {
              code: 19021,
              msg: 'sign match fail or timestamp is not within one hour from current time',
            }),
          };
        }
      }
      let title = '';
      let text: string | undefined;
      if (body.msg_type === 'interactive') {
        const card = (body.card ?? {}) as Record<string, unknown>;
        const header = (card.header ?? {}) as { title?: { content?: unknown } };
        title = str(header.title?.content) ?? '';
        const elements = Array.isArray(card.elements)
          ? (card.elements as Array<Record<string, unknown>>)
          : [];
        text = elements.map((element) => str(element.content) ?? '').join('\n');
      } else if (body.msg_type === 'text') {
        text = str((body.content as Record<string, unknown> | undefined)?.text);
      }
      if (text === undefined) return { reply: json(400, { code: 9499, msg: 'Bad Request' }) };
      if (limit.full(now)) return { reply: replies.feishuThrottled };
      limit.note(now);
      const mentions = [...text.matchAll(/<at id=([^>\s]+)><\/at>/g)].map((m) => m[1] ?? '');
      return {
        reply: json(200, { code: 0, msg: 'success', data: {} }),
        message: { body, text, title, mentions },
      };
    },
    options,
  );
  return { ...receiver, hookId, url: `${receiver.url}${hookId}` };
};

/**
 * WeCom group robot: POST /cgi-bin/webhook/send?key=..; no signature (the key is the credential).
 * markdown content <= 4096 bytes, text content <= 2048 bytes; 20 messages a minute.
 */
export const startWeComReceiver = async (
  options: ReceiverOptions & { key?: string } = {},
): Promise<Receiver & { key: string }> => {
  const key = options.key ?? 'test-wecom-key';
  const limit = limiter(20, 60_000);
  const receiver = await startReceiver(
    'wecom',
    (request, now) => {
      if (request.path !== '/cgi-bin/webhook/send' || request.query.get('key') !== key) {
        return { reply: json(200, { errcode: 93000, errmsg: 'invalid webhook url' }) };
      }
      const body = parseJson(request.raw);
      const part = (body?.[String(body?.msgtype)] ?? {}) as Record<string, unknown>;
      const text = str(part.content);
      const max = body?.msgtype === 'markdown' ? 4096 : body?.msgtype === 'text' ? 2048 : 0;
      if (!body || text === undefined || max === 0) {
        return { reply: json(200, { errcode: 40008, errmsg: 'invalid message type' }) };
      }
      if (Buffer.byteLength(text) > max) {
        return { reply: json(200, { errcode: 40058, errmsg: `content exceed max length ${max}` }) };
      }
      if (limit.full(now)) return { reply: replies.wecomThrottled };
      limit.note(now);
      const mentions =
        body.msgtype === 'markdown'
          ? [...text.matchAll(/<@([^>]+)>/g)].map((m) => m[1] ?? '')
          : [...strings(part.mentioned_list), ...strings(part.mentioned_mobile_list)];
      const title = text.split('\n')[0]?.replace(/^#+\s*/, '') ?? '';
      return { reply: json(200, { errcode: 0, errmsg: 'ok' }), message: { body, text, title, mentions } };
    },
    options,
  );
  return { ...receiver, key, url: `${receiver.url}?key=${key}` };
};

/**
 * Generic webhook receiver, verifying as docs/alerting.md tells receivers to: X-MseWatch-Timestamp within
 * the tolerance, X-MseWatch-Signature = "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)),
 * and a delivery id seen before answered 200 without being processed again.
 */
export const startWebhookReceiver = async (
  options: ReceiverOptions & {
    secret?: string;
    toleranceSeconds?: number;
    requireHeaders?: Record<string, string>;
  } = {},
): Promise<Receiver & { duplicates: number }> => {
  const tolerance = options.toleranceSeconds ?? 300;
  const seen = new Set<string>();
  let duplicates = 0;
  const receiver = await startReceiver(
    'webhook',
    (request, now) => {
      for (const [name, value] of Object.entries(options.requireHeaders ?? {})) {
        if (request.headers[name.toLowerCase()] !== value)
          return { reply: json(401, `missing header ${name}`) };
      }
      const timestamp = String(request.headers['x-mse-watch-timestamp'] ?? '');
      if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > tolerance) {
        return { reply: json(401, 'stale or missing timestamp') };
      }
      if (options.secret) {
        const expected = `sha256=${createHmac('sha256', options.secret).update(`${timestamp}.${request.raw}`).digest('hex')}`;
        if (!sameSecret(String(request.headers['x-mse-watch-signature'] ?? ''), expected)) {
          return { reply: json(401, 'bad signature') };
        }
      }
      const body = parseJson(request.raw);
      if (body?.version !== 'mse-watch.alert/v1') return { reply: json(400, 'unknown payload version') };
      const id = String(request.headers['x-mse-watch-id'] ?? '');
      if (seen.has(id)) {
        duplicates += 1;
        return { reply: json(200, 'duplicate, ignored') };
      }
      seen.add(id);
      const title = str(body.title) ?? '';
      return { reply: json(200, 'ok'), message: { body, text: title, title, mentions: [] } };
    },
    options,
  );
  return Object.defineProperty({ ...receiver, duplicates: 0 }, 'duplicates', { get: () => duplicates });
};
