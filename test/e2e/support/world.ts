import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type Agent, REPO_ROOT, startAgent } from '../../../scripts/e2e/agent.ts';
import type { Fault } from '../../../scripts/e2e/fault-rules.ts';
import { type RegionFixture, regionFixture } from '../../../scripts/e2e/region.ts';
import { createVpc, type RunResult, type Vpc } from '../../../scripts/e2e/vpc.ts';
import { AuditSummary } from '../../../shared/diagnose/audit/summary.ts';
import { FunctionSummary } from '../../../shared/fc/summary.ts';
import { NacosReport } from '../../../shared/nacos/report.ts';
import { CheckReport } from '../../../shared/report/schema.ts';
import type { Listener } from '../../../shared/simulate/servers.ts';

// The whole product in a VPC in a box: a region's real catalog addresses (cn-shanghai unless told) with a
// listener on every catalog ip:port, the Nacos test server on a private address of the "VPC", and DingTalk and webhook
// receivers inside the namespace. The CLI and the bundled FC handler both run inside it.

export const REGION = 'cn-shanghai';
/** Where an MSE Nacos instance would sit in the customer's VPC; not a catalog address. */
export const NACOS = { host: '172.16.0.10', port: 8848, grpcPort: 9848, username: 'nacos' } as const;
export const NACOS_SERVER = `${NACOS.host}:${NACOS.port}`;
/** Secrets are chosen to be findable: none may appear in any output, log line or notice. */
export const SECRETS = {
  nacosPassword: 'e2e-Nacos-Pw-7f3a91',
  dingtalkToken: 'e2e-dt-token-51c0',
  dingtalkSecret: 'SECe2e0d1n6t4lk5ecret',
  webhookSecret: 'e2e-webhook-hmac-key-2b8e',
} as const;

const ENV_PASSWORD_REF = ['$', '{env:E2E_NACOS_PASSWORD}'].join('');

export const BUNDLES = {
  endpoints: join(REPO_ROOT, 'dist/probe-endpoints/index.mjs'),
  nacos: join(REPO_ROOT, 'dist/probe-nacos/index.mjs'),
} as const;

export type Received = {
  messages: Array<{ title: string; text: string; mentions: string[]; body: Record<string, unknown> }>;
  requests: Array<{ path: string; rejected?: string; scripted?: boolean }>;
};
export type Notices = { dingtalk: Received; webhook: Received };

/** `check --json`: the CheckReport contract, plus `nacos` and `alerts` beside it when configured. */
export const CheckJson = CheckReport.extend({
  nacos: NacosReport.optional(),
  alerts: z.unknown().optional(),
  audit: AuditSummary.optional(),
});
export type CheckJson = z.infer<typeof CheckJson>;

export type CliRun = { code: number | null; report: CheckJson; stdout: string; stderr: string };
export type FcRun = {
  code: number | null;
  summary: FunctionSummary;
  /** The function's JSON log lines (what FC ships to the logstore). */
  logs: Array<Record<string, unknown>>;
  stdout: string;
  stderr: string;
};

export type ConfigOptions = {
  /** Names the state directory: runs with the same name share alert state. */
  state: string;
  /** Extra targets beside the region (the config's `targets:`). */
  targets?: Array<Record<string, unknown>>;
  nacos?: boolean;
  nacosPassword?: string;
  alerting?: Record<string, unknown>;
  probe?: Record<string, unknown>;
};

export type World = {
  vpc: Vpc;
  agent: Agent;
  fixture: RegionFixture;
  /** The region whose catalog addresses the namespace holds. */
  region: string;
  /** Writes a config file for one scenario and returns its path. */
  config(options: ConfigOptions): Promise<string>;
  cli(configFile: string): Promise<CliRun>;
  fc(fn: keyof typeof BUNDLES, configFile: string): Promise<FcRun>;
  /** What the receivers got since the last call. */
  notices(): Promise<Notices>;
  /** Back to a healthy VPC: no faults, every catalog address present, its usual listeners, Nacos without faults. */
  reset(): Promise<void>;
  /** Replaces the catalog listeners (e.g. one that accepts and never answers); reset() restores them. */
  listen(listeners: readonly Listener[]): Promise<void>;
  /** A transparent proxy's listener on 127.0.0.1 in the namespace, answering HTTP `status`; reset() stops it. */
  startProxy(status: number): Promise<{ port: number }>;
  setFaults(faults: readonly Fault[]): Promise<void>;
  destroy(): Promise<void>;
};

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} did not print JSON:\n${text.slice(0, 2000)}`);
  }
};

/** The documents are checked against their schemas: a contract break fails here, not in a later assertion. */
const parseAs = <S extends z.ZodType>(schema: S, text: string, what: string): z.infer<S> => {
  const result = schema.safeParse(parseJson(text, what));
  if (!result.success) throw new Error(`${what} broke its schema: ${z.prettifyError(result.error)}`);
  return result.data;
};

export const createWorld = async (label: string, region: string = REGION): Promise<World> => {
  const fixture = regionFixture(region);
  const dir = await mkdtemp(join(tmpdir(), 'mw-e2e-'));
  const vpc = await createVpc({ addresses: [...fixture.addresses, NACOS.host], label });
  let agent: Agent | undefined;
  try {
    agent = await startAgent(vpc, { ops: ['test/e2e/support/receiver-ops.ts'] });
    await agent.request('listen', { listeners: fixture.listeners });
    await agent.request('nacos.start', {
      ...NACOS,
      auth: { username: NACOS.username, password: SECRETS.nacosPassword },
    });
    // fresh receivers per scenario: DingTalk allows 20 messages a minute per robot, and the suite sends more
    // than that in a minute; one scenario's messages must not throttle the next one's
    const startReceivers = (a: Agent) =>
      a.request<{ dingtalk: string; webhook: string }>('receivers.start', {
        dingtalk: { accessToken: SECRETS.dingtalkToken, secret: SECRETS.dingtalkSecret },
        webhook: { secret: SECRETS.webhookSecret },
      });
    let urls = await startReceivers(agent);
    process.stdout.write(
      `${vpc.describe()}\n  nacos test server: ${NACOS_SERVER} (gRPC ${NACOS.grpcPort}), receivers: ${Object.keys(urls).join(', ')} on 127.0.0.1 in the namespace\n`,
    );
    const env = { E2E_NACOS_PASSWORD: SECRETS.nacosPassword, NO_COLOR: '1' };
    const ready = agent;
    let listenersChanged = false;
    let proxyRunning = false;

    const world: World = {
      vpc,
      agent: ready,
      fixture,
      region,
      config: async (options) => {
        const stateDir = join(dir, `state-${options.state}`);
        await mkdir(stateDir, { recursive: true });
        const file = join(dir, `config-${options.state}.json`);
        const config = {
          region,
          ...(options.targets ? { targets: options.targets } : {}),
          // one attempt: a dropped endpoint is confirmed by the drop rule, not by retries; the timeout leaves a
          // loaded CI machine room to answer the healthy ones
          probe: { timeout: 1500, attempts: 1, ...options.probe },
          ...(options.nacos
            ? {
                nacos: {
                  server: NACOS_SERVER,
                  username: NACOS.username,
                  // resolved by the config loader from the environment, so the file holds no secret
                  password: options.nacosPassword ?? ENV_PASSWORD_REF,
                  timeout: 2000,
                },
              }
            : {}),
          alerting: {
            failureThreshold: 1,
            successThreshold: 1,
            window: null,
            reminderInterval: 0,
            channels: [
              {
                kind: 'dingtalk',
                name: 'ops-dingtalk',
                webhook: urls.dingtalk,
                secret: SECRETS.dingtalkSecret,
              },
              { kind: 'webhook', name: 'ops-webhook', url: urls.webhook, secret: SECRETS.webhookSecret },
            ],
            ...options.alerting,
          },
          state: { dir: stateDir },
        };
        await writeFile(file, JSON.stringify(config, null, 2));
        return file;
      },
      cli: async (configFile) => {
        const result: RunResult = await vpc.run(
          [process.execPath, 'bin/mse-watch.mjs', 'check', '--config', configFile, '--json'],
          { cwd: REPO_ROOT, env, killAfterMs: 30_000 },
        );
        return {
          ...result,
          report: parseAs(
            CheckJson,
            result.stdout,
            `mse-watch check (exit ${result.code}, ${result.stderr})`,
          ),
        };
      },
      fc: async (fn, configFile) => {
        if (!existsSync(BUNDLES[fn])) throw new Error(`${BUNDLES[fn]} is not built: npm run build`);
        const result = await vpc.run([process.execPath, 'scripts/e2e/fc-invoke.mjs', BUNDLES[fn]], {
          cwd: REPO_ROOT,
          env: { ...env, MSE_WATCH_CONFIG: configFile },
          killAfterMs: 30_000,
        });
        const lines = result.stdout.split('\n');
        const resultLine = lines.find((line) => line.startsWith('FC-RESULT '));
        if (!resultLine)
          throw new Error(
            `FC handler ${fn} did not return (exit ${result.code}):\n${result.stdout}\n${result.stderr}`,
          );
        return {
          ...result,
          summary: parseAs(FunctionSummary, resultLine.slice('FC-RESULT '.length), `FC handler ${fn}`),
          logs: lines
            .filter((line) => line.startsWith('{'))
            .map((line) => parseJson(line, 'FC log line') as Record<string, unknown>),
        };
      },
      notices: () => ready.request<Notices>('receivers.take'),
      setFaults: async (faults) => {
        await vpc.setFaults(faults);
        const rules = faults.map(
          (f) =>
            `${f.action}${f.action === 'reject-icmp' ? ` ${f.icmp}` : ''} ${f.ip}${f.port === undefined ? '' : `:${f.port}`}${f.action === 'redirect' ? ` to :${f.to}` : ''}`,
        );
        process.stdout.write(`${vpc.name}: nft faults now ${rules.join(', ') || 'none'}\n`);
      },
      reset: async () => {
        await vpc.setFaults([]);
        await vpc.addAddresses([...fixture.addresses, NACOS.host]);
        if (listenersChanged) await ready.request('listen', { listeners: fixture.listeners });
        if (proxyRunning) await ready.request('close', { key: 'proxy' });
        listenersChanged = false;
        proxyRunning = false;
        await ready.request('nacos.faults', { faults: {} });
        urls = await startReceivers(ready);
      },
      listen: async (listeners) => {
        listenersChanged = true;
        await ready.request('listen', { listeners });
      },
      startProxy: async (status) => {
        proxyRunning = true;
        return ready.request<{ port: number }>('proxy.start', { host: '127.0.0.1', port: 0, status });
      },
      destroy: async () => {
        await ready.stop().catch(() => undefined);
        await vpc.destroy();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return world;
  } catch (error) {
    await agent?.stop().catch(() => undefined);
    await vpc.destroy();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
};

/** "firing cn-shanghai/100.100.27.5:8848" etc., one per event of every webhook notice, sorted. */
export const webhookEvents = (received: Received): string[] =>
  received.messages
    .flatMap((message) => (message.body.events as Array<{ change: string; key: string }> | undefined) ?? [])
    .map((event) => `${event.change} ${event.key}`)
    .sort();

/** Every secret that must never be printed, logged or sent. */
export const leakedSecrets = (...texts: string[]): string[] =>
  Object.values(SECRETS).filter((secret) => texts.some((text) => text.includes(secret)));
