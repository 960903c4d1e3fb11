import type { NacosStepName, ResolvedNacosConfig } from './config.ts';
import type { ApiFamily, ApiVersion, NacosGeneration } from './generation.ts';
import type { HttpContext, ServerAddress } from './http.ts';
import type { NacosMessage } from './proto.ts';
import type { NacosStepStatus } from './report.ts';
import type { ResolvedTls } from './tls.ts';

/** A gRPC connection to a Nacos server's client port; one unary `/Request/request` call at a time. */
export type NacosGrpcClient = {
  request(message: NacosMessage, options: { timeoutMs: number; signal: AbortSignal }): Promise<NacosMessage>;
  close(): void;
};

/** TLS for the gRPC channel; `tls: false` = plaintext. PEM material, as in nacos.tls. */
export type GrpcChannelOptions = {
  tls: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  /** false = accept any certificate. Default true. */
  verify?: boolean;
};

export type NacosGrpcFactory = (address: string, options: GrpcChannelOptions) => NacosGrpcClient;

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
  /** Reads tls.caFile, certFile and keyFile (UTF-8). */
  readFile: (path: string) => Promise<string>;
};

/** Something a step created and must be removed even if the run ends early. */
export type Cleanup = { name: string; run: (signal: AbortSignal) => Promise<void> };

/** State one run shares between its steps. */
export type CheckContext = {
  config: ResolvedNacosConfig;
  deps: NacosDeps;
  address: ServerAddress;
  http: HttpContext;
  /** Which family of health API answered: v1 (1.x/2.x) or v3 (3.x); null until liveness answered. */
  api: ApiFamily | null;
  /** The server generation, from what it answered; null when it could not be told. */
  generation: NacosGeneration | null;
  /** The version the server reported, or null. */
  version: string | null;
  /** The API of the round trips, once the generation is known (may move to v3 when v1 answers 410). */
  roundTrip: ApiVersion | null;
  /** The API each step used, for the report. */
  apis: Partial<Record<NacosStepName, ApiVersion>>;
  /** TLS of this run (files already read). */
  tls: ResolvedTls;
  canaryId: string;
  cleanups: Map<string, Cleanup>;
  /** Canary names swept (from earlier runs) during this run. */
  swept: string[];
};

/** What a step reports when it did not throw a StepFailure. */
export type StepOutcome = { status?: Exclude<NacosStepStatus, 'failed'>; detail?: string };

export type StepFn = (ctx: CheckContext) => Promise<StepOutcome>;
