// @alicloud/log ships no types; this covers the part of its API the SLS sink uses (lib/client.js 1.2.x).
declare module '@alicloud/log' {
  type Credentials = { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  export type LogClientConfig = {
    region?: string;
    net?: 'intranet' | string;
    /** Host, or `https://host` / `http://host`; the scheme sets use_https. */
    endpoint?: string;
    use_https?: boolean;
    accessKeyId?: string;
    accessKeySecret?: string;
    securityToken?: string;
    credentialsProvider?: { getCredentials: () => Promise<Credentials> };
    userAgent?: string;
  };
  export type PostLogsData = {
    logs: { timestamp: number; timestampNsPart?: number; content: Record<string, string> }[];
    topic?: string;
    source?: string;
    tags?: Record<string, string>[];
  };
  /** Passed to httpx.request: timeout, agent, and beforeRequest (which may add a `lookup`). */
  export type RequestOptions = {
    timeout?: number;
    beforeRequest?: (options: Record<string, unknown>) => Record<string, unknown>;
  };
  export default class Client {
    constructor(config: LogClientConfig);
    postLogStoreLogs(
      project: string,
      logstore: string,
      data: PostLogsData,
      options?: RequestOptions,
    ): Promise<unknown>;
  }
}
