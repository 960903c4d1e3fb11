import type { NacosConfig } from './config.ts';
import type { HttpContext, ServerAddress } from './http.ts';
import type { NacosMessage } from './proto.ts';
import type { NacosStepStatus } from './report.ts';

/** A gRPC connection to a Nacos server's client port; one unary `/Request/request` call at a time. */
export type NacosGrpcClient = {
  request(message: NacosMessage, options: { timeoutMs: number; signal: AbortSignal }): Promise<NacosMessage>;
  close(): void;
};

export type NacosGrpcFactory = (address: string, options: { tls: boolean }) => NacosGrpcClient;

export type NacosDeps = {
  fetch: typeof fetch;
  /** Monotonic milliseconds, for latencies. */
  now: () => number;
  /** Wall-clock milliseconds, for canary names and Spas timestamps. */
  wallNow: () => number;
  sleep: (ms: number) => Promise<void>;
  grpc: NacosGrpcFactory;
  /** Unique, sortable by age: `<base36 ms>-<random>`; the canary names are `<prefix>-<id>`. */
  canaryId: () => string;
};

/** Something a step created and must be removed even if the run ends early. */
export type Cleanup = { name: string; run: (signal: AbortSignal) => Promise<void> };

/** State one run shares between its steps. */
export type CheckContext = {
  config: NacosConfig;
  deps: NacosDeps;
  address: ServerAddress;
  http: HttpContext;
  /** Which API generation answered the health check. */
  api: 'v1' | 'v3' | null;
  canaryId: string;
  cleanups: Map<string, Cleanup>;
  /** Canary names swept (from earlier runs) during this run. */
  swept: string[];
};

/** What a step reports when it did not throw a StepFailure. */
export type StepOutcome = { status?: Exclude<NacosStepStatus, 'failed'>; detail?: string };

export type StepFn = (ctx: CheckContext) => Promise<StepOutcome>;
