import { MseWatchError } from '../util/errors.ts';

/** The Alibaba Cloud products the control-plane client talks to (all RPC style). */
export const PRODUCTS = ['ecs', 'vpc', 'mse', 'cms'] as const;
export type Product = (typeof PRODUCTS)[number];

/**
 * How the official SDKs address and sign each product, as data:
 * - `version`: the API version every action of the product is called with;
 * - `host`: the endpoint prefix (`{host}.{region}.aliyuncs.com`, CloudMonitor answers as `metrics`);
 * - `endpointMap`: the SDK constructors' fixed endpoints for the catalog's regions (@alicloud/ecs20140526 7.11,
 *   @alicloud/vpc20160428 7.3, @alicloud/cms20190101 4.0); every other region uses the regional rule;
 * - `signature`: `v3` is ACS3-HMAC-SHA256 (the client's default); the MSE SDKs set
 *   `_signatureAlgorithm = "v2"`, the RPC signature 1.0 (HMAC-SHA1), and so does this client;
 * - `ram`: the service name in RAM actions (`ecs:DescribeSecurityGroups`).
 */
export const PRODUCT_INFO = {
  ecs: {
    name: 'ECS',
    version: '2014-05-26',
    host: 'ecs',
    signature: 'v3',
    ram: 'ecs',
    endpointMap: {
      'cn-hangzhou': 'ecs-cn-hangzhou.aliyuncs.com',
      'cn-shanghai-finance-1': 'ecs-cn-hangzhou.aliyuncs.com',
      'cn-shenzhen-finance-1': 'ecs-cn-hangzhou.aliyuncs.com',
      'cn-north-2-gov-1': 'ecs.aliyuncs.com',
      'cn-hangzhou-finance': 'ecs.aliyuncs.com',
    },
  },
  vpc: {
    name: 'VPC',
    version: '2016-04-28',
    host: 'vpc',
    signature: 'v3',
    ram: 'vpc',
    endpointMap: {
      'cn-hangzhou': 'vpc.aliyuncs.com',
      'cn-shanghai-finance-1': 'vpc.aliyuncs.com',
      'cn-shenzhen-finance-1': 'vpc.aliyuncs.com',
      'cn-north-2-gov-1': 'vpc.aliyuncs.com',
      'cn-hangzhou-finance': 'vpc.aliyuncs.com',
    },
  },
  mse: {
    name: 'MSE',
    version: '2019-05-31',
    host: 'mse',
    signature: 'v2',
    ram: 'mse',
    endpointMap: {
      'cn-shanghai-finance-1': 'msefinance-share.cn-shanghai-finance-1.aliyuncs.com',
      'cn-shenzhen-finance-1': 'msefinance-share.cn-shenzhen-finance-1.aliyuncs.com',
    },
  },
  cms: {
    name: 'CloudMonitor',
    version: '2019-01-01',
    host: 'metrics',
    signature: 'v3',
    ram: 'cms',
    endpointMap: {},
  },
} as const satisfies Record<
  Product,
  {
    name: string;
    version: string;
    host: string;
    signature: 'v2' | 'v3';
    ram: string;
    endpointMap: Record<string, string>;
  }
>;

export type Network = 'public' | 'vpc';

/** Where a product's API is for a region: https, host[:port]. */
export type ApiEndpoint = { protocol: 'https' | 'http'; host: string };

/**
 * The regional endpoint the SDKs would pick. `vpc` is the in-VPC endpoint (`ecs-vpc.cn-hangzhou.aliyuncs.com`),
 * reachable from inside a VPC without internet access; the SDKs' fixed endpoints are public ones, so they are
 * skipped there.
 */
export const productEndpoint = (
  product: Product,
  region: string,
  network: Network = 'public',
): ApiEndpoint => {
  const info = PRODUCT_INFO[product];
  const fixed: string | undefined = (info.endpointMap as Record<string, string>)[region];
  if (network === 'public' && fixed) return { protocol: 'https', host: fixed };
  return {
    protocol: 'https',
    host: `${info.host}${network === 'vpc' ? '-vpc' : ''}.${region}.aliyuncs.com`,
  };
};

/**
 * `https://host[:port]` or `http://host:port` (a private gateway, or a test double on loopback): one base
 * URL for every product, which then tells them apart by the action's version.
 */
export const parseEndpointUrl = (value: string, source = '--endpoint'): ApiEndpoint => {
  const match = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/.exec(value.trim());
  if (!match)
    throw new MseWatchError(
      'usage',
      `${source} must look like https://<host>[:port] (no path), got "${value}"`,
    );
  return { protocol: match[1] as 'https' | 'http', host: `${match[2]}${match[3] ?? ''}` };
};

/** The RAM action that authorizes an API action: `ecs:DescribeSecurityGroupAttribute`. */
export const ramAction = (product: Product, action: string): string =>
  `${PRODUCT_INFO[product].ram}:${action}`;
