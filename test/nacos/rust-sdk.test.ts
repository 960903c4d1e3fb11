// nacos-sdk-rust-binding-node (the Rust SDK, gRPC 2.x protocol) against our Nacos test server.
// Its constructor blocks the JS thread until the gRPC connection is set up, so the server runs in a
// child process (the standalone script), which logs every gRPC message type it receives.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Binding = typeof import('nacos-sdk-rust-binding-node');
const { NacosConfigClient, NacosNamingClient } = createRequire(import.meta.url)(
  'nacos-sdk-rust-binding-node',
) as Binding;

type Started = { url: string; port: number; grpcPort: number };

let child: ChildProcess;
let started: Started;
const grpcTypes: string[] = [];
const waiters: Array<() => void> = [];

/** The child's log lines are read by this (blocked-then-freed) event loop: wait for them, no timing. */
const received = (type: string): Promise<void> =>
  new Promise((resolve) => {
    const check = () => {
      if (grpcTypes.includes(type)) resolve();
      else waiters.push(check);
    };
    check();
  });

beforeAll(async () => {
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/nacos-test-server.ts', '--log', '--stdin'], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  started = await new Promise<Started>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`test server exited with ${code}`)));
    lines.on('line', (line) => {
      const event = JSON.parse(line) as Partial<Started> & { grpc?: string };
      if (event.grpc) {
        grpcTypes.push(event.grpc);
        for (const wake of waiters.splice(0)) wake();
      } else if (event.port) resolve(event as Started);
    });
  });
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end();
    await exited;
  }
});

describe('nacos-sdk-rust-binding-node against the test server', () => {
  it('connects over gRPC on port+1000 (ServerCheck, bi-stream setup) and does config CRUD with a push', async () => {
    // the SDK has no gRPC port option: it dials HTTP port + 1000, which the server arranged
    expect(started.grpcPort).toBe(started.port + 1000);
    const client = new NacosConfigClient({
      serverAddr: `127.0.0.1:${started.port}`,
      namespace: '',
      appName: 'mse-watch-test',
    });
    await received('ServerCheckRequest');
    await received('ConnectionSetupRequest');

    const dataId = 'rust.canary';
    const group = 'RUST_GROUP';
    expect(await client.publishConfig(dataId, group, 'from-rust')).toBe(true);
    // what the Rust SDK wrote over gRPC is what HTTP v1 reads: one store behind both
    const viaHttp = await fetch(`${started.url}/v1/cs/configs?dataId=${dataId}&group=${group}`);
    expect(viaHttp.status).toBe(200);
    expect(await viaHttp.text()).toBe('from-rust');
    const response = await client.getConfigResp(dataId, group);
    expect(response).toMatchObject({ content: 'from-rust', dataId, group });
    expect(response.md5).toMatch(/^[0-9a-f]{32}$/);

    // a change made over HTTP reaches the SDK's listener through a ConfigChangeNotifyRequest push
    let resolvePushed: (content: string) => void = () => {};
    const pushed = new Promise<string>((resolve) => {
      resolvePushed = resolve;
    });
    await client.addListener(dataId, group, (error, changed) => {
      if (!error && changed.content === 'changed-over-http') resolvePushed(changed.content);
    });
    // the change must come after the server registered the listener, or there is nothing to push
    await received('ConfigBatchListenRequest');
    const post = await fetch(`${started.url}/v1/cs/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ dataId, group, content: 'changed-over-http' }),
    });
    expect(await post.text()).toBe('true');
    expect(await pushed).toBe('changed-over-http');
    await received('ConfigBatchListenRequest');

    expect(await client.removeConfig(dataId, group)).toBe(true);
    // the SDK answers a listened config from its cache, so "gone" is read over HTTP
    expect((await fetch(`${started.url}/v1/cs/configs?dataId=${dataId}&group=${group}`)).status).toBe(404);
    await expect(client.getConfig('rust.never-published', group)).rejects.toThrow(/config data not exist/);
    for (const type of ['ConfigPublishRequest', 'ConfigQueryRequest', 'ConfigRemoveRequest'])
      await received(type);
  });

  it('registers, lists and deregisters instances over gRPC (ephemeral and persistent)', async () => {
    const client = new NacosNamingClient({
      serverAddr: `127.0.0.1:${started.port}`,
      namespace: '',
      appName: 'mse-watch-test',
    });
    const service = 'rust.naming.svc';
    const group = 'RUST_GROUP';
    const listOverHttp = async () => {
      const answer = await fetch(
        `${started.url}/v1/ns/instance/list?serviceName=${service}&groupName=${group}`,
      );
      const body = (await answer.json()) as {
        hosts: Array<{ ip: string; port: number; ephemeral: boolean }>;
      };
      return body.hosts.map((h) => `${h.ip}:${h.port}:${h.ephemeral ? 'ephemeral' : 'persistent'}`).sort();
    };
    await client.registerInstance(service, group, { ip: '192.0.2.20', port: 9000, metadata: { zone: 'b' } });
    await client.registerInstance(service, group, { ip: '192.0.2.21', port: 9001, ephemeral: false });
    await received('InstanceRequest');
    await received('PersistentInstanceRequest');
    // subscribe=false: a ServiceQueryRequest straight to the server, no client cache
    const hosts = await client.getAllInstances(service, group, [], false);
    expect(hosts.map((h) => `${h.ip}:${h.port}`).sort()).toEqual(['192.0.2.20:9000', '192.0.2.21:9001']);
    expect(hosts.find((h) => h.ip === '192.0.2.20')?.metadata).toEqual({ zone: 'b' });
    expect(await listOverHttp()).toEqual(['192.0.2.20:9000:ephemeral', '192.0.2.21:9001:persistent']);

    await client.deregisterInstance(service, group, { ip: '192.0.2.20', port: 9000 });
    await client.deregisterInstance(service, group, { ip: '192.0.2.21', port: 9001, ephemeral: false });
    expect(await listOverHttp()).toEqual([]);
  });
});
