import type { ApiVersion } from '../generation.ts';
import type { HttpContext, StepFailure } from '../http.ts';

/** One config, as a round trip names it; `namespace` is already the id the server uses ("" = 1.x/2.x public). */
export type ConfigKey = { dataId: string; group: string; namespace: string };

/** A write the server answered: stored, or refused for certain (nothing was stored, no cleanup needed). */
export type WriteOutcome = { stored: true } | { stored: false; status: number; failure: StepFailure };

export type ConfigRead = { found: true; content: string; md5: string | null } | { found: false };

/** The config operations of a round trip, per HTTP API generation. Network trouble throws StepFailure. */
export type ConfigApi = {
  version: ApiVersion;
  publish(http: HttpContext, key: ConfigKey, content: string): Promise<WriteOutcome>;
  read(http: HttpContext, key: ConfigKey, what: string): Promise<ConfigRead>;
  remove(http: HttpContext, key: ConfigKey): Promise<void>;
  /** dataIds in `group` that match `pattern` (`*` wildcard); best effort, for the sweep. */
  search(http: HttpContext, pattern: string, group: string, namespace: string): Promise<string[]>;
};

export type ServiceKey = { service: string; group: string; namespace: string };
export type InstanceKey = { ip: string; port: number; ephemeral: boolean };
export type Host = { ip?: unknown; port?: unknown; ephemeral?: unknown; metadata?: Record<string, unknown> };

export type NamingApi = {
  version: ApiVersion;
  register(
    http: HttpContext,
    service: ServiceKey,
    instance: InstanceKey,
    metadata: Record<string, string>,
  ): Promise<WriteOutcome>;
  /** One heartbeat for an ephemeral instance. */
  beat(
    http: HttpContext,
    service: ServiceKey,
    instance: InstanceKey,
    metadata: Record<string, string>,
  ): Promise<void>;
  list(http: HttpContext, service: ServiceKey): Promise<Host[]>;
  deregister(http: HttpContext, service: ServiceKey, instance: InstanceKey): Promise<void>;
};

export const groupedName = (service: ServiceKey): string => `${service.group}@@${service.service}`;
