import { createHash, randomBytes } from 'node:crypto';

/** Switchable misbehaviours of the Nacos test server. */
export type NacosFaults = {
  /** Readiness fails: v1 500 "naming and config not in readiness", v2/v3 HTTP 200 code 30000. */
  notReady: boolean;
  /** Every HTTP and gRPC answer is delayed this long. */
  slowMs: number;
  /** Login, config, naming and cluster APIs answer 500. Health stays up. */
  serverErrors: boolean;
  /** Login answers 403 "user not found!" even for the right credentials. */
  rejectLogin: boolean;
  /** Tokens are issued but every secured call answers 403 "token expired!". */
  expireTokens: boolean;
  /** The gRPC port is closed. */
  grpcDown: boolean;
  /** gRPC ServerCheck answers ErrorResponse "Server is starting". */
  grpcStarting: boolean;
  /** Behave like Nacos 3.x: v1/v2 console APIs answer 410, 3.x health, login and admin paths. */
  v3: boolean;
  /** The cluster lists a second node in state DOWN. */
  nodeDown: boolean;
  /** Config publish answers "true" but stores nothing (a server that loses writes). */
  loseConfigs: boolean;
};

export const NO_FAULTS: NacosFaults = {
  notReady: false,
  slowMs: 0,
  serverErrors: false,
  rejectLogin: false,
  expireTokens: false,
  grpcDown: false,
  grpcStarting: false,
  v3: false,
  nodeDown: false,
  loseConfigs: false,
};

export const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export type StoredConfig = {
  tenant: string;
  group: string;
  dataId: string;
  content: string;
  md5: string;
  type: string;
  lastModified: number;
};

export type StoredInstance = {
  namespaceId: string;
  group: string;
  service: string;
  ip: string;
  port: number;
  clusterName: string;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  metadata: Record<string, string>;
  lastBeat: number;
  /** Registered over gRPC: lives as long as that connection, no beats (Nacos 2.x). */
  connection?: string;
};

/** Ephemeral instances: unhealthy after 15 s without a beat, removed after 30 s (Nacos defaults). */
export const BEAT_UNHEALTHY_MS = 15_000;
export const BEAT_DELETE_MS = 30_000;

const configKey = (tenant: string, group: string, dataId: string) => `${tenant}\u0002${group}\u0002${dataId}`;
const instanceKey = (
  i: Pick<StoredInstance, 'namespaceId' | 'group' | 'service' | 'ip' | 'port' | 'clusterName'>,
) => `${i.namespaceId}|${i.group}@@${i.service}|${i.ip}:${i.port}:${i.clusterName}`;

/** The server's data: configs, instances and tokens, with change notification for listeners. */
export class NacosStore {
  readonly configs = new Map<string, StoredConfig>();
  readonly instances = new Map<string, StoredInstance>();
  readonly tokens = new Map<string, { username: string; expiresAt: number }>();
  private readonly configWatchers = new Set<
    (config: { tenant: string; group: string; dataId: string }) => void
  >();

  constructor(private readonly now: () => number = Date.now) {}

  getConfig(tenant: string, group: string, dataId: string): StoredConfig | undefined {
    return this.configs.get(configKey(tenant, group, dataId));
  }

  putConfig(tenant: string, group: string, dataId: string, content: string, type = 'text'): StoredConfig {
    const stored = { tenant, group, dataId, content, md5: md5Hex(content), type, lastModified: this.now() };
    this.configs.set(configKey(tenant, group, dataId), stored);
    this.emit({ tenant, group, dataId });
    return stored;
  }

  removeConfig(tenant: string, group: string, dataId: string): void {
    if (this.configs.delete(configKey(tenant, group, dataId))) this.emit({ tenant, group, dataId });
  }

  onConfigChange(watcher: (config: { tenant: string; group: string; dataId: string }) => void): () => void {
    this.configWatchers.add(watcher);
    return () => this.configWatchers.delete(watcher);
  }

  private emit(config: { tenant: string; group: string; dataId: string }) {
    for (const watcher of [...this.configWatchers]) watcher(config);
  }

  putInstance(instance: Omit<StoredInstance, 'lastBeat'>): void {
    this.instances.set(instanceKey(instance), { ...instance, lastBeat: this.now() });
  }

  removeInstance(
    key: Pick<StoredInstance, 'namespaceId' | 'group' | 'service' | 'ip' | 'port' | 'clusterName'>,
  ) {
    return this.instances.delete(instanceKey(key));
  }

  /** A gRPC connection closed: its ephemeral instances go with it. */
  dropConnection(connection: string): void {
    for (const [key, instance] of this.instances)
      if (instance.connection === connection) this.instances.delete(key);
  }

  findInstance(
    key: Pick<StoredInstance, 'namespaceId' | 'group' | 'service' | 'ip' | 'port' | 'clusterName'>,
  ): StoredInstance | undefined {
    return this.instances.get(instanceKey(key));
  }

  /** Lists a service after applying beat expiry, as the Nacos health checker would have. */
  listInstances(namespaceId: string, group: string, service: string): StoredInstance[] {
    const now = this.now();
    const out: StoredInstance[] = [];
    for (const [key, instance] of this.instances) {
      const beats = instance.ephemeral && instance.connection === undefined;
      if (beats && now - instance.lastBeat > BEAT_DELETE_MS) {
        this.instances.delete(key);
        continue;
      }
      if (beats) instance.healthy = now - instance.lastBeat <= BEAT_UNHEALTHY_MS;
      if (instance.namespaceId === namespaceId && instance.group === group && instance.service === service) {
        out.push(instance);
      }
    }
    return out;
  }

  issueToken(username: string, ttlSeconds: number): string {
    // JWT-shaped so clients that peek at it are not surprised; nothing reads its claims
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'HS256' })}.${part({ sub: username, exp: Math.floor(this.now() / 1000) + ttlSeconds })}.${randomBytes(16).toString('base64url')}`;
    this.tokens.set(token, { username, expiresAt: this.now() + ttlSeconds * 1000 });
    return token;
  }

  checkToken(token: string): 'valid' | 'invalid' | 'expired' {
    const found = this.tokens.get(token);
    if (!found) return 'invalid';
    return found.expiresAt > this.now() ? 'valid' : 'expired';
  }
}

/** An instance as Nacos shows it in a service's host list (the HTTP list and the gRPC ServiceQuery share it). */
export const instanceView = (i: StoredInstance) => ({
  instanceId: `${i.ip}#${i.port}#${i.clusterName}#${i.group}@@${i.service}`,
  ip: i.ip,
  port: i.port,
  weight: i.weight,
  healthy: i.healthy,
  enabled: i.enabled,
  ephemeral: i.ephemeral,
  clusterName: i.clusterName,
  serviceName: `${i.group}@@${i.service}`,
  metadata: i.metadata,
});
