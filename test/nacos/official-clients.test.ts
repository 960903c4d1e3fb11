// The official `nacos` npm client (HTTP v1) against our Nacos test server: proof the server is faithful.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NacosConfigClient, NacosNamingClient } from 'nacos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NacosTestServer, startNacosTestServer } from '../../shared/simulate/nacos/index.ts';

const AUTH = { username: 'nacos', password: 'client-test-pw' };
const RAM = { accessKey: 'LTAI-test-ak', secretKey: 'test-secret-key' };

// the naming client wants a logger; keep its noise out of the test output, but keep warnings to assert on
const quietLogger = () => {
  const warnings: unknown[] = [];
  const noop = () => {};
  return {
    warnings,
    logger: { info: noop, debug: noop, warn: (...a: unknown[]) => warnings.push(a), error: noop },
  };
};

// the package's own typings miss `metadata`, `close()` and the optional Instance fields it really takes
type Host = {
  ip: string;
  port: number;
  ephemeral: boolean;
  healthy: boolean;
  metadata: Record<string, string>;
};
type NamingClient = {
  ready(): Promise<void>;
  registerInstance(service: string, instance: Record<string, unknown>, group?: string): Promise<void>;
  deregisterInstance(service: string, instance: Record<string, unknown>, group?: string): Promise<void>;
  getAllInstances(service: string, group?: string, clusters?: string, subscribe?: boolean): Promise<Host[]>;
  getServerStatus(): Promise<'UP' | 'DOWN'>;
  close(): Promise<void>;
};
type NamingClientCtor = new (options: Record<string, unknown>) => NamingClient;

let server: NacosTestServer;
let ramServer: NacosTestServer;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'mse-watch-nacos-client-'));
  server = await startNacosTestServer({ auth: AUTH });
  ramServer = await startNacosTestServer({ ram: RAM });
});
afterAll(async () => {
  await server?.close();
  await ramServer?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const configClient = (target: NacosTestServer, extra: Record<string, unknown>) => {
  const client = new NacosConfigClient({
    serverAddr: `127.0.0.1:${target.port}`,
    namespace: '',
    requestTimeout: 3000,
    cacheDir,
    ...extra,
  } as ConstructorParameters<typeof NacosConfigClient>[0]);
  client.on('error', () => {});
  return client;
};

describe('nacos (npm) NacosConfigClient against the test server', () => {
  it('publishes, reads, is notified by the long-poll listener, removes', async () => {
    const client = configClient(server, AUTH);
    try {
      const dataId = 'client.roundtrip';
      const group = 'CLIENT_TEST';
      expect(await client.getConfig(dataId, group)).toBeNull();

      const seen: string[] = [];
      const changed = new Promise<void>((resolve) => {
        client.subscribe({ dataId, group }, (content: string) => {
          seen.push(content);
          if (content === 'v2') resolve();
        });
      });
      expect(await client.publishSingle(dataId, group, 'v1')).toBe(true);
      expect(await client.getConfig(dataId, group)).toBe('v1');
      expect(await client.publishSingle(dataId, group, 'v2')).toBe(true);
      await changed;
      expect(seen.at(-1)).toBe('v2');
      expect(await client.remove(dataId, group)).toBe(true);
      expect(await client.getConfig(dataId, group)).toBeNull();
      expect(server.state().configs).toBe(0);
    } finally {
      client.close();
    }
  });

  it('is refused with the wrong password (the server enforces auth)', async () => {
    const client = configClient(server, { username: 'nacos', password: 'wrong', requestTimeout: 300 });
    try {
      await expect(client.publishSingle('client.denied', 'CLIENT_TEST', 'x')).rejects.toThrow(/403/);
      expect(server.state().configs).toBe(0);
    } finally {
      client.close();
    }
  });

  it('signs with an MSE RAM AccessKey (Spas) and the server verifies the signature', async () => {
    const good = configClient(ramServer, RAM);
    try {
      expect(await good.publishSingle('client.ram', 'RAM_GROUP', 'signed')).toBe(true);
      expect(await good.getConfig('client.ram', 'RAM_GROUP')).toBe('signed');
      expect(await good.remove('client.ram', 'RAM_GROUP')).toBe(true);
      expect(ramServer.state().configs).toBe(0);
    } finally {
      good.close();
    }
  });

  it('is refused when its signature was made with another secret', async () => {
    // a server that knows the same AccessKey id with a different secret; clients of one process share a
    // worker per server (cluster-client), so the mismatch is set up on the server side
    const strict = await startNacosTestServer({
      ram: { accessKey: RAM.accessKey, secretKey: 'rotated-secret' },
    });
    const client = configClient(strict, { ...RAM, requestTimeout: 300 });
    try {
      await expect(client.publishSingle('client.ram', 'RAM_GROUP', 'forged')).rejects.toThrow(/403/);
      expect(strict.state().configs).toBe(0);
    } finally {
      client.close();
      await strict.close();
    }
  });
});

describe('nacos (npm) NacosNamingClient against the test server', () => {
  it('registers, lists, deregisters (persistent and ephemeral with beats)', async () => {
    const { logger, warnings } = quietLogger();
    const client = new (NacosNamingClient as unknown as NamingClientCtor)({
      logger,
      serverList: `127.0.0.1:${server.port}`,
      namespace: 'public',
      ...AUTH,
    });
    await client.ready();
    try {
      const service = 'client.naming.svc';
      await client.registerInstance(
        service,
        { ip: '192.0.2.10', port: 8080, ephemeral: false },
        'CLIENT_GROUP',
      );
      await client.registerInstance(
        service,
        { ip: '192.0.2.11', port: 8081, metadata: { zone: 'a' } },
        'CLIENT_GROUP',
      );
      // subscribe=false reads the server directly instead of the client's cache
      const hosts = await client.getAllInstances(service, 'CLIENT_GROUP', '', false);
      expect(hosts.map((h) => `${h.ip}:${h.port}`).sort()).toEqual(['192.0.2.10:8080', '192.0.2.11:8081']);
      const ephemeral = hosts.find((h) => h.ip === '192.0.2.11');
      expect(ephemeral).toMatchObject({ ephemeral: true, healthy: true, metadata: { zone: 'a' } });
      expect(await client.getServerStatus()).toBe('UP');

      await client.deregisterInstance(
        service,
        { ip: '192.0.2.10', port: 8080, ephemeral: false },
        'CLIENT_GROUP',
      );
      const left = await client.getAllInstances(service, 'CLIENT_GROUP', '', false);
      expect(left.map((h) => h.ip)).toEqual(['192.0.2.11']);
      await client.deregisterInstance(service, { ip: '192.0.2.11', port: 8081 }, 'CLIENT_GROUP');
      // the client keeps its last list when the server answers an empty one (push-empty protection),
      // so "gone" is read from the server itself
      expect(server.state().instances).toBe(0);
      expect(warnings).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
