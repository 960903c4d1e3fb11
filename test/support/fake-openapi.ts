import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acs3Signature, acs3StringToSign, decodePairs, rpcV1Signature } from './acs-signature.ts';

/**
 * A loopback Alibaba Cloud OpenAPI endpoint for ECS 2014-05-26 (security groups, instances), VPC 2016-04-28, MSE 2019-05-31 and
 * CloudMonitor 2019-01-01 (RPC style), standing in for every product at one base URL: the product is told
 * by the version. It accepts a request only if it is signed as the vendor documents it, recomputed from the
 * bytes received and independently of the SDK:
 *
 * - signature V3 (`Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`):
 *   CanonicalRequest = METHOD\nURI\ncanonical query\ncanonical headers\nsigned headers\nhex(sha256(body)),
 *   StringToSign = "ACS3-HMAC-SHA256\n" + hex(sha256(CanonicalRequest)), Signature = hex(hmac-sha256(secret, StringToSign));
 *   host, content-type and every x-acs-* header signed; x-acs-date within 15 minutes; x-acs-content-sha256 right;
 * - RPC signature 1.0 (`SignatureMethod=HMAC-SHA1`): StringToSign = METHOD&%2F&percentEncode(sorted, encoded
 *   parameters of query and form body, without Signature), Signature = base64(hmac-sha1(secret + "&", StringToSign));
 *   Timestamp within 15 minutes;
 * - a nonce (x-acs-signature-nonce / SignatureNonce) is never accepted twice; STS keys carry their token.
 *
 * Errors come in the vendor's JSON shape `{RequestId, HostId, Code, Message, Recommend}` (+ `AccessDeniedDetail`
 * for RAM denials). Listings page (NextToken or page numbers) with a server-side page cap, so clients must
 * follow every page; throttling and denials are scripted per action.
 */

export {
  acs3StringToSign,
  decodePairs,
  percentEncode,
  rpcV1Signature,
} from './acs-signature.ts';

const PRODUCT_OF_VERSION: Record<string, FakeProduct> = {
  '2014-05-26': 'ecs',
  '2016-04-28': 'vpc',
  '2019-05-31': 'mse',
  '2019-01-01': 'cms',
};
export type FakeProduct = 'ecs' | 'vpc' | 'mse' | 'cms';
const PRODUCT_NAME: Record<FakeProduct, string> = { ecs: 'Ecs', vpc: 'Vpc', mse: 'mse', cms: 'Cms' };

export type FakeRule = {
  SecurityGroupRuleId: string;
  Direction?: 'egress' | 'ingress';
  IpProtocol: string;
  PortRange?: string;
  PortRangeListId?: string;
  DestCidrIp?: string;
  DestPrefixListId?: string;
  DestGroupId?: string;
  Policy: 'Accept' | 'Drop';
  Priority: number;
  Description?: string;
};

export type FakeSecurityGroup = {
  id: string;
  type: 'normal' | 'enterprise';
  name?: string;
  vpcId?: string;
  rules: FakeRule[];
};

export type FakeRouteEntry = {
  RouteEntryId?: string;
  DestinationCidrBlock: string;
  Type: 'System' | 'Custom' | 'BGP' | 'CEN';
  NextHopType?: string;
  NextHopId?: string;
};

export type FakeRouteTable = {
  RouteTableId: string;
  RouteTableType: 'System' | 'Custom';
  VpcId: string;
  VSwitchIds: string[];
  entries: FakeRouteEntry[];
};

export type FakeVSwitch = {
  VSwitchId: string;
  VpcId: string;
  CidrBlock: string;
  RouteTableId: string;
  /** The network ACL bound to it; DescribeVSwitchAttributes answers "" when none is, as the VPC API does. */
  NetworkAclId?: string;
};

/** A network ACL entry as DescribeNetworkAclAttributes lists it (the list's order is the priority). */
export type FakeAclEntry = {
  NetworkAclEntryId: string;
  NetworkAclEntryName?: string;
  Policy: 'accept' | 'drop';
  Protocol: 'tcp' | 'udp' | 'icmp' | 'gre' | 'all';
  Port: string;
  EntryType?: 'system' | 'custom';
  IpVersion?: 'IPv4' | 'IPv6';
  /** DestinationCidrIp for egress entries, SourceCidrIp for ingress ones. */
  cidr: string;
  Description?: string;
};

export type FakeNetworkAcl = {
  NetworkAclId: string;
  NetworkAclName?: string;
  VpcId: string;
  ingress: FakeAclEntry[];
  egress: FakeAclEntry[];
};

export type FakeEcsInstance = {
  InstanceId: string;
  InstanceName?: string;
  /** The primary ENI's groups, as DescribeInstances lists them. */
  SecurityGroupIds: string[];
  VpcId?: string;
  VSwitchId?: string;
  /** ENIs beyond the primary one (DescribeInstances lists them without their groups). */
  secondaryEnis?: string[];
  /** Each secondary ENI's own security groups, as DescribeNetworkInterfaces lists them (default: none). */
  eniSecurityGroups?: Record<string, string[]>;
};

export type FakeCluster = Record<string, unknown> & { InstanceId: string };

export type FakeOpenApiOptions = {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  region: string;
  securityGroups?: FakeSecurityGroup[];
  prefixLists?: Record<string, string[]>;
  portRangeLists?: Record<string, string[]>;
  vSwitches?: FakeVSwitch[];
  routeTables?: FakeRouteTable[];
  networkAcls?: FakeNetworkAcl[];
  clusters?: FakeCluster[];
  ecsInstances?: FakeEcsInstance[];
  /** The most items a page holds whatever the client asks for, so paging is exercised. */
  pageCap?: number;
  /** Answer the next `times` calls of `action` with flow control (default Throttling.User, HTTP 400). */
  throttle?: Array<{ action: string; times: number; code?: string; status?: number }>;
  /** RAM denies these actions (ImplicitDeny unless explicit). */
  deny?: Array<{ action: string; explicit?: boolean }>;
  /** Expected signature per product: MSE signs RPC 1.0 as its SDKs do, the others V3. */
  signatures?: Partial<Record<FakeProduct, 'ACS3-HMAC-SHA256' | 'HMAC-SHA1'>>;
  /** A scripted answer for a correctly signed call (odd shapes, body-level failures); undefined = normal handling. */
  override?: (
    action: string,
    params: Record<string, string>,
  ) => { status: number; body: unknown } | undefined;
  now?: () => number;
  /** Milliseconds to hold a correctly signed call of `action` before answering (a slow control plane). */
  delayMs?: (action: string) => number;
};

export type FakeOpenApiRequest = {
  product?: FakeProduct;
  action?: string;
  params: Record<string, string>;
  signature?: 'ACS3-HMAC-SHA256' | 'HMAC-SHA1';
  status: number;
  code?: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
};

export type FakeOpenApi = {
  port: number;
  url: string;
  requests: FakeOpenApiRequest[];
  /** When each request arrived (Date.now()), in order: to tell what ran beside what. */
  arrivals: number[];
  /** Only the accepted calls of one action. */
  calls(action: string): FakeOpenApiRequest[];
  metrics: Array<Record<string, string>>;
  close(): Promise<void>;
};

const token = (offset: number): string => Buffer.from(`offset:${offset}:mse-watch`).toString('base64');
const offsetOf = (value: string | undefined): number => {
  if (!value) return 0;
  const match = /^offset:(\d+):mse-watch$/.exec(Buffer.from(value, 'base64').toString());
  if (!match) throw new FakeError(400, 'InvalidNextToken.Malformed', 'The specified NextToken is invalid.');
  return Number(match[1]);
};

class FakeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const DEFAULT_SIGNATURES: Record<FakeProduct, 'ACS3-HMAC-SHA256' | 'HMAC-SHA1'> = {
  ecs: 'ACS3-HMAC-SHA256',
  vpc: 'ACS3-HMAC-SHA256',
  mse: 'HMAC-SHA1',
  cms: 'ACS3-HMAC-SHA256',
};

const SKEW_MS = 15 * 60_000;

export const startFakeOpenApi = async (options: FakeOpenApiOptions): Promise<FakeOpenApi> => {
  const requests: FakeOpenApiRequest[] = [];
  const arrivals: number[] = [];
  const metrics: Array<Record<string, string>> = [];
  const nonces = new Set<string>();
  const now = options.now ?? Date.now;
  const cap = options.pageCap ?? 1000;
  const throttles = (options.throttle ?? []).map((t) => ({ ...t }));
  const signatures = { ...DEFAULT_SIGNATURES, ...options.signatures };

  const required = (params: Record<string, string>, ...names: string[]) => {
    for (const name of names)
      if (!params[name])
        throw new FakeError(
          400,
          `MissingParameter`,
          `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
        );
  };
  const page = <T>(
    items: T[],
    maxResults: string | undefined,
    nextToken: string | undefined,
    min = 1,
    max = 1000,
  ) => {
    const wanted = maxResults ? Number(maxResults) : 10;
    if (!Number.isInteger(wanted) || wanted < min || wanted > max)
      throw new FakeError(400, 'InvalidParameter.MaxResults', `MaxResults must be ${min} to ${max}.`);
    const size = Math.min(wanted, cap);
    const offset = offsetOf(nextToken);
    const slice = items.slice(offset, offset + size);
    const next = offset + size < items.length ? token(offset + size) : '';
    return { slice, next };
  };
  const numbered = <T>(
    items: T[],
    pageNumber: string | undefined,
    pageSize: string | undefined,
    max: number,
  ) => {
    const number = Number(pageNumber ?? '1');
    const size = Number(pageSize ?? '10');
    if (!Number.isInteger(size) || size < 1 || size > max)
      throw new FakeError(400, 'InvalidParameter.PageSize', `PageSize must be 1 to ${max}.`);
    const effective = Math.min(size, cap);
    return { slice: items.slice((number - 1) * effective, number * effective), number, size: effective };
  };

  const handlers: Record<string, (p: Record<string, string>) => Record<string, unknown>> = {
    'ecs/DescribeSecurityGroups': (p) => {
      required(p, 'RegionId');
      let groups = options.securityGroups ?? [];
      if (p.SecurityGroupIds) {
        const ids = JSON.parse(p.SecurityGroupIds) as string[];
        if (!Array.isArray(ids) || ids.length > 100)
          throw new FakeError(
            400,
            'InvalidSecurityGroupIds.Malformed',
            'SecurityGroupIds must be a JSON array of at most 100 ids.',
          );
        groups = groups.filter((g) => ids.includes(g.id));
      }
      const { slice, next } = page(groups, p.MaxResults, p.NextToken, 1, 100);
      return {
        RegionId: p.RegionId,
        NextToken: next,
        SecurityGroups: {
          SecurityGroup: slice.map((g) => ({
            SecurityGroupId: g.id,
            SecurityGroupName: g.name ?? '',
            SecurityGroupType: g.type,
            VpcId: g.vpcId ?? '',
            Description: '',
            ResourceGroupId: '',
            ServiceManaged: false,
            Tags: { Tag: [] },
          })),
        },
      };
    },
    'ecs/DescribeInstances': (p) => {
      required(p, 'RegionId');
      let instances = options.ecsInstances ?? [];
      if (p.InstanceIds) {
        const ids = JSON.parse(p.InstanceIds) as string[];
        if (!Array.isArray(ids) || ids.length > 100)
          throw new FakeError(
            400,
            'InvalidInstanceIds.Malformed',
            'The specified parameter InstanceIds is not valid: a JSON array of at most 100 ids.',
          );
        instances = instances.filter((i) => ids.includes(i.InstanceId));
      }
      // MaxResults 1..100; ECS answers at least 10 a page when asked for fewer (the server cap still applies)
      const asked = p.MaxResults === undefined ? 10 : Number(p.MaxResults);
      if (!Number.isInteger(asked) || asked < 1 || asked > 100)
        throw new FakeError(400, 'InvalidParameter.MaxResults', 'MaxResults must be 1 to 100.');
      const { slice, next } = page(instances, String(Math.max(10, asked)), p.NextToken, 1, 100);
      return {
        RegionId: p.RegionId,
        NextToken: next,
        // with NextToken paging the API says TotalCount is not valid; real answers still carry a number
        TotalCount: 0,
        PageNumber: 1,
        PageSize: slice.length,
        Instances: {
          Instance: slice.map((i) => ({
            InstanceId: i.InstanceId,
            InstanceName: i.InstanceName ?? '',
            RegionId: p.RegionId,
            Status: 'Running',
            InstanceNetworkType: i.VpcId ? 'vpc' : 'classic',
            InstanceType: 'ecs.g7.large',
            SecurityGroupIds: { SecurityGroupId: i.SecurityGroupIds },
            VpcAttributes: {
              VpcId: i.VpcId ?? '',
              VSwitchId: i.VSwitchId ?? '',
              NatIpAddress: '',
              PrivateIpAddress: { IpAddress: ['192.168.1.10'] },
            },
            NetworkInterfaces: {
              NetworkInterface: [
                {
                  NetworkInterfaceId: `eni-${i.InstanceId.slice(2)}`,
                  Type: 'Primary',
                  PrimaryIpAddress: '192.168.1.10',
                  MacAddress: '00:16:3e:00:00:01',
                },
                ...(i.secondaryEnis ?? []).map((id, n) => ({
                  NetworkInterfaceId: id,
                  Type: 'Secondary',
                  PrimaryIpAddress: `192.168.1.${20 + n}`,
                  MacAddress: `00:16:3e:00:01:0${n}`,
                })),
              ],
            },
            Tags: { Tag: [] },
          })),
        },
      };
    },
    'ecs/DescribeNetworkInterfaces': (p) => {
      required(p, 'RegionId');
      const keys = Object.keys(p).filter((k) => k.startsWith('NetworkInterfaceId.'));
      for (const key of keys) {
        const n = Number(key.slice('NetworkInterfaceId.'.length));
        if (!Number.isInteger(n) || n < 1 || n > 100)
          throw new FakeError(
            400,
            'InvalidParameter',
            `The specified parameter ${key} is not valid: N is 1 to 100.`,
          );
      }
      const ids = keys.map((k) => p[k]!);
      const all = (options.ecsInstances ?? []).flatMap((i) => [
        {
          NetworkInterfaceId: `eni-${i.InstanceId.slice(2)}`,
          Type: 'Primary',
          InstanceId: i.InstanceId,
          SecurityGroupIds: i.SecurityGroupIds,
          VSwitchId: i.VSwitchId ?? '',
          VpcId: i.VpcId ?? '',
        },
        ...(i.secondaryEnis ?? []).map((id) => ({
          NetworkInterfaceId: id,
          Type: 'Secondary',
          InstanceId: i.InstanceId,
          SecurityGroupIds: i.eniSecurityGroups?.[id] ?? [],
          VSwitchId: i.VSwitchId ?? '',
          VpcId: i.VpcId ?? '',
        })),
      ]);
      const enis = all.filter(
        (e) =>
          (ids.length === 0 || ids.includes(e.NetworkInterfaceId)) &&
          (!p.InstanceId || e.InstanceId === p.InstanceId),
      );
      // MaxResults 10..500 (the API reads fewer as 10, more as 500; the fake insists on the documented range)
      const { slice, next } = page(enis, p.MaxResults, p.NextToken, 10, 500);
      return {
        NextToken: next,
        TotalCount: enis.length,
        NetworkInterfaceSets: {
          NetworkInterfaceSet: slice.map((e) => ({
            ...e,
            SecurityGroupIds: { SecurityGroupId: e.SecurityGroupIds },
            Status: 'InUse',
            MacAddress: '00:16:3e:00:01:00',
            PrivateIpAddress: '192.168.1.20',
            Tags: { Tag: [] },
          })),
        },
      };
    },
    'ecs/DescribeSecurityGroupAttribute': (p) => {
      required(p, 'RegionId', 'SecurityGroupId');
      const group = (options.securityGroups ?? []).find((g) => g.id === p.SecurityGroupId);
      if (!group)
        throw new FakeError(
          404,
          'InvalidSecurityGroupId.NotFound',
          'The specified SecurityGroupId does not exist.',
        );
      const direction = p.Direction ?? 'all';
      const rules = group.rules.filter((r) => direction === 'all' || (r.Direction ?? 'egress') === direction);
      const { slice, next } = page(rules, p.MaxResults ?? '500', p.NextToken, 10, 1000);
      return {
        RegionId: p.RegionId,
        SecurityGroupId: group.id,
        SecurityGroupName: group.name ?? '',
        VpcId: group.vpcId ?? '',
        InnerAccessPolicy: 'Accept',
        Description: '',
        NextToken: next,
        Permissions: {
          Permission: slice.map((r) => ({
            SecurityGroupRuleId: r.SecurityGroupRuleId,
            Direction: r.Direction ?? 'egress',
            IpProtocol: r.IpProtocol,
            PortRange: r.PortRange ?? '',
            PortRangeListId: r.PortRangeListId ?? '',
            DestCidrIp: r.DestCidrIp ?? '',
            Ipv6DestCidrIp: '',
            DestPrefixListId: r.DestPrefixListId ?? '',
            DestGroupId: r.DestGroupId ?? '',
            SourceCidrIp: '',
            Policy: r.Policy,
            // the API answers the priority as a string
            Priority: String(r.Priority),
            NicType: 'intranet',
            Description: r.Description ?? '',
            CreateTime: '2026-01-01T00:00:00Z',
          })),
        },
      };
    },
    'ecs/DescribePrefixListAttributes': (p) => {
      required(p, 'RegionId', 'PrefixListId');
      const list = options.prefixLists?.[p.PrefixListId!];
      if (!list)
        throw new FakeError(404, 'InvalidPrefixListId.NotFound', 'The specified prefix list does not exist.');
      return {
        PrefixListId: p.PrefixListId,
        PrefixListName: p.PrefixListId,
        AddressFamily: 'IPv4',
        MaxEntries: 200,
        Entries: { Entry: list.map((cidr) => ({ Cidr: cidr, Description: '' })) },
      };
    },
    'ecs/DescribePortRangeListEntries': (p) => {
      required(p, 'RegionId', 'PortRangeListId');
      const list = options.portRangeLists?.[p.PortRangeListId!];
      if (!list)
        throw new FakeError(
          404,
          'InvalidPortRangeListId.NotFound',
          'The specified port list does not exist.',
        );
      return { Entries: list.map((range) => ({ PortRange: range, Description: '' })) };
    },
    'vpc/DescribeVSwitchAttributes': (p) => {
      required(p, 'RegionId', 'VSwitchId');
      const vsw = (options.vSwitches ?? []).find((v) => v.VSwitchId === p.VSwitchId);
      if (!vsw)
        throw new FakeError(404, 'InvalidVSwitchId.NotFound', 'The specified vSwitch does not exist.');
      const table = (options.routeTables ?? []).find((t) => t.RouteTableId === vsw.RouteTableId);
      return {
        VSwitchId: vsw.VSwitchId,
        VpcId: vsw.VpcId,
        CidrBlock: vsw.CidrBlock,
        Status: 'Available',
        RouteTable: { RouteTableId: vsw.RouteTableId, RouteTableType: table?.RouteTableType ?? 'System' },
        NetworkAclId: vsw.NetworkAclId ?? '',
      };
    },
    'vpc/DescribeNetworkAclAttributes': (p) => {
      required(p, 'RegionId', 'NetworkAclId');
      const acl = (options.networkAcls ?? []).find((a) => a.NetworkAclId === p.NetworkAclId);
      if (!acl)
        throw new FakeError(404, 'InvalidNetworkAclId.NotFound', 'The specified network ACL does not exist.');
      const entry = (e: FakeAclEntry, address: 'DestinationCidrIp' | 'SourceCidrIp') => ({
        NetworkAclEntryId: e.NetworkAclEntryId,
        NetworkAclEntryName: e.NetworkAclEntryName ?? '',
        Policy: e.Policy,
        Protocol: e.Protocol,
        Port: e.Port,
        EntryType: e.EntryType ?? 'custom',
        IpVersion: e.IpVersion ?? 'IPv4',
        Description: e.Description ?? '',
        [address]: e.cidr,
      });
      const boundTo = (options.vSwitches ?? []).filter((v) => v.NetworkAclId === acl.NetworkAclId);
      return {
        NetworkAclAttribute: {
          NetworkAclId: acl.NetworkAclId,
          NetworkAclName: acl.NetworkAclName ?? '',
          VpcId: acl.VpcId,
          RegionId: p.RegionId,
          Status: 'Available',
          CreationTime: '2026-11-01 10:00:00',
          Description: '',
          OwnerId: 1234567890123456,
          IngressAclEntries: { IngressAclEntry: acl.ingress.map((e) => entry(e, 'SourceCidrIp')) },
          EgressAclEntries: { EgressAclEntry: acl.egress.map((e) => entry(e, 'DestinationCidrIp')) },
          Resources: {
            Resource: boundTo.map((v) => ({
              ResourceId: v.VSwitchId,
              ResourceType: 'VSwitch',
              Status: 'BINDED',
            })),
          },
          Tags: { Tag: [] },
        },
      };
    },
    'vpc/DescribeRouteTableList': (p) => {
      required(p, 'RegionId');
      const tables = (options.routeTables ?? []).filter(
        (t) => (!p.VpcId || t.VpcId === p.VpcId) && (!p.RouteTableId || t.RouteTableId === p.RouteTableId),
      );
      const { slice, number, size } = numbered(tables, p.PageNumber, p.PageSize, 50);
      return {
        PageNumber: number,
        PageSize: size,
        TotalCount: tables.length,
        RouterTableList: {
          RouterTableListType: slice.map((t) => ({
            RouteTableId: t.RouteTableId,
            RouteTableType: t.RouteTableType,
            VpcId: t.VpcId,
            RouterType: 'VRouter',
            Status: 'Available',
            VSwitchIds: { VSwitchId: t.VSwitchIds },
          })),
        },
      };
    },
    'vpc/DescribeRouteEntryList': (p) => {
      required(p, 'RegionId', 'RouteTableId');
      const table = (options.routeTables ?? []).find((t) => t.RouteTableId === p.RouteTableId);
      if (!table)
        throw new FakeError(404, 'InvalidRouteTableId.NotFound', 'The specified route table does not exist.');
      const { slice, next } = page(table.entries, p.MaxResult, p.NextToken, 1, 100);
      return {
        NextToken: next,
        RouteEntrys: {
          RouteEntry: slice.map((e, i) => ({
            RouteEntryId: e.RouteEntryId ?? (e.Type === 'System' ? '' : `rte-${table.RouteTableId}-${i}`),
            RouteTableId: table.RouteTableId,
            DestinationCidrBlock: e.DestinationCidrBlock,
            Type: e.Type,
            Status: 'Available',
            IpVersion: 'ipv4',
            NextHops: {
              NextHop: e.NextHopType
                ? [{ NextHopType: e.NextHopType, NextHopId: e.NextHopId ?? '', Enabled: 1, Weight: 100 }]
                : [],
            },
          })),
        },
      };
    },
    'mse/ListClusters': (p) => {
      required(p, 'RegionId', 'PageNum', 'PageSize');
      const clusters = options.clusters ?? [];
      const { slice, number, size } = numbered(clusters, p.PageNum, p.PageSize, 100);
      return {
        Success: true,
        Message: 'The request was successfully processed.',
        HttpCode: '200',
        PageNumber: number,
        PageSize: size,
        TotalCount: clusters.length,
        Data: slice.map((c) => {
          const {
            IntranetPort: _port,
            HealthStatus: _health,
            ClusterVersion: _version,
            VSwitchId: _vsw,
            ...listed
          } = c;
          return listed;
        }),
      };
    },
    'mse/QueryClusterInfo': (p) => {
      required(p, 'InstanceId');
      const cluster = (options.clusters ?? []).find((c) => c.InstanceId === p.InstanceId);
      if (!cluster)
        throw new FakeError(404, 'NotFound.Instance', `The instance ${p.InstanceId} does not exist.`);
      return {
        Success: true,
        Message: 'The request is successfully processed.',
        ErrorCode: '',
        Data: cluster,
      };
    },
    'cms/PutCustomMetric': (p) => {
      const indexes = new Set(
        Object.keys(p)
          .map((k) => /^MetricList\.(\d+)\./.exec(k)?.[1])
          .filter((n): n is string => n !== undefined),
      );
      if (indexes.size === 0) throw new FakeError(400, 'InvalidParameter', 'MetricList is mandatory.');
      if (indexes.size > 21)
        throw new FakeError(400, 'InvalidParameter', 'MetricList holds at most 21 items.');
      for (const n of indexes) {
        const item = (name: string) => p[`MetricList.${n}.${name}`];
        for (const name of ['MetricName', 'Dimensions', 'Type', 'Values', 'GroupId'])
          if (!item(name))
            throw new FakeError(400, 'InvalidParameter', `MetricList.${n}.${name} is mandatory.`);
        JSON.parse(item('Dimensions')!);
        JSON.parse(item('Values')!);
        metrics.push(
          Object.fromEntries(
            ['MetricName', 'Dimensions', 'Type', 'Values', 'GroupId', 'Time'].map((k) => [k, item(k) ?? '']),
          ),
        );
      }
      return { Code: '200', Message: '' };
    },
  };

  const server = createServer(async (req, res) => {
    arrivals.push(Date.now());
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bodyBytes = Buffer.concat(chunks);
    const body = bodyBytes.toString('utf8');
    const h = req.headers;
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const requestId = randomUUID().toUpperCase();
    const record: FakeOpenApiRequest = { params: {}, status: 0, method, url, headers: h, body };
    requests.push(record);
    const answer = (status: number, payload: Record<string, unknown>) => {
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/json;charset=utf-8',
        'x-acs-request-id': requestId,
      });
      res.end(JSON.stringify({ RequestId: requestId, ...payload }));
    };
    const fail = (error: FakeError) => {
      record.code = error.code;
      answer(error.status, {
        HostId: String(h.host ?? ''),
        Code: error.code,
        Message: error.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${record.product ? PRODUCT_NAME[record.product] : ''}&requestId=${requestId}`,
        ...error.extra,
      });
    };
    try {
      const at = url.indexOf('?');
      const path = at < 0 ? url : url.slice(0, at);
      if (path !== '/')
        throw new FakeError(404, 'InvalidAction.NotFound', `${method} ${path} is not an RPC path`);
      const queryPairs = decodePairs(at < 0 ? '' : url.slice(at + 1));
      const formPairs = String(h['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
        ? decodePairs(body)
        : [];
      const pairs = [...queryPairs, ...formPairs];
      const params = Object.fromEntries(pairs);
      record.params = params;

      const authorization = String(h.authorization ?? '');
      let accessKeyId: string;
      let action: string | undefined;
      let version: string | undefined;
      if (authorization.startsWith('ACS3-HMAC-SHA256 ')) {
        record.signature = 'ACS3-HMAC-SHA256';
        const auth =
          /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
            authorization,
          );
        if (!auth) throw new FakeError(400, 'IncompleteSignature', 'The Authorization header is malformed.');
        const [, id = '', signedList = '', signature] = auth;
        accessKeyId = id;
        const signed = signedList.split(';');
        if (signedList !== [...signed].sort().join(';'))
          throw new FakeError(400, 'IncompleteSignature', 'SignedHeaders must be sorted.');
        for (const name of Object.keys(h))
          if (
            (name.startsWith('x-acs-') || name === 'host' || name === 'content-type') &&
            !signed.includes(name)
          )
            throw new FakeError(400, 'IncompleteSignature', `The header ${name} is not signed.`);
        for (const name of [
          'host',
          'x-acs-action',
          'x-acs-version',
          'x-acs-date',
          'x-acs-signature-nonce',
          'x-acs-content-sha256',
        ])
          if (!h[name]) throw new FakeError(400, 'MissingParameter', `The header ${name} is mandatory.`);
        const date = String(h['x-acs-date']);
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(date) || Math.abs(now() - Date.parse(date)) > SKEW_MS)
          throw new FakeError(
            400,
            'InvalidTimeStamp.Expired',
            `x-acs-date ${date} is not within 15 minutes.`,
          );
        const nonce = String(h['x-acs-signature-nonce']);
        if (nonces.has(nonce)) throw new FakeError(400, 'SignatureNonceUsed', 'The nonce has been used.');
        nonces.add(nonce);
        const payloadHash = createHash('sha256').update(bodyBytes).digest('hex');
        if (h['x-acs-content-sha256'] !== payloadHash)
          throw new FakeError(
            400,
            'InvalidParameter.ContentSHA256',
            'x-acs-content-sha256 does not match the body.',
          );
        if (accessKeyId !== options.accessKeyId)
          throw new FakeError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
        if (options.securityToken !== undefined && h['x-acs-security-token'] !== options.securityToken)
          throw new FakeError(400, 'InvalidSecurityToken.Mismatch', 'The security token does not match.');
        const { stringToSign } = acs3StringToSign(method, url, h, signed, payloadHash);
        const expected = acs3Signature(stringToSign, options.accessKeySecret);
        if (expected !== signature)
          throw new FakeError(
            400,
            'SignatureDoesNotMatch',
            'Specified signature is not matched with our calculation.',
          );
        action = String(h['x-acs-action']);
        version = String(h['x-acs-version']);
      } else if (params.Signature !== undefined) {
        record.signature = 'HMAC-SHA1';
        required(
          params,
          'Action',
          'Version',
          'AccessKeyId',
          'SignatureMethod',
          'SignatureVersion',
          'SignatureNonce',
          'Timestamp',
          'Format',
        );
        if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0')
          throw new FakeError(
            400,
            'InvalidSignatureMethod',
            'Use SignatureMethod HMAC-SHA1 and SignatureVersion 1.0.',
          );
        const stamp = params.Timestamp!;
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(stamp) || Math.abs(now() - Date.parse(stamp)) > SKEW_MS)
          throw new FakeError(
            400,
            'InvalidTimeStamp.Expired',
            `Timestamp ${stamp} is not within 15 minutes.`,
          );
        if (nonces.has(params.SignatureNonce!))
          throw new FakeError(400, 'SignatureNonceUsed', 'The nonce has been used.');
        nonces.add(params.SignatureNonce!);
        accessKeyId = params.AccessKeyId!;
        if (accessKeyId !== options.accessKeyId)
          throw new FakeError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
        if (options.securityToken !== undefined && params.SecurityToken !== options.securityToken)
          throw new FakeError(400, 'InvalidSecurityToken.Mismatch', 'The security token does not match.');
        if (rpcV1Signature(method, pairs, options.accessKeySecret) !== params.Signature)
          throw new FakeError(
            400,
            'SignatureDoesNotMatch',
            'Specified signature is not matched with our calculation.',
          );
        action = params.Action;
        version = params.Version;
      } else {
        throw new FakeError(400, 'MissingSignature', 'The request is not signed.');
      }

      const product = PRODUCT_OF_VERSION[version ?? ''];
      if (!product) throw new FakeError(400, 'InvalidVersion', `Version ${version} is not served here.`);
      record.product = product;
      record.action = action;
      if (record.signature !== signatures[product])
        throw new FakeError(
          400,
          'IncompleteSignature',
          `${product} expects ${signatures[product]}, got ${record.signature}.`,
        );
      if (params.RegionId !== undefined && params.RegionId !== options.region)
        throw new FakeError(
          400,
          'InvalidRegionId.NotFound',
          `The region ${params.RegionId} is not served here.`,
        );

      const throttled = throttles.find((t) => t.action === action && t.times > 0);
      if (throttled) {
        throttled.times--;
        throw new FakeError(
          throttled.status ?? 400,
          throttled.code ?? 'Throttling.User',
          'Request was denied due to user flow control.',
        );
      }
      const denied = options.deny?.find((d) => d.action === action);
      if (denied) {
        const ram = `${product}:${action}`;
        throw new FakeError(
          403,
          product === 'mse' || product === 'cms' ? 'NoPermission' : 'Forbidden.RAM',
          "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
          {
            AccessDeniedDetail: {
              PolicyType: 'AccountLevelIdentityBasedPolicy',
              AuthPrincipalOwnerId: '1234567890123456',
              EncodedDiagnosticMessage: 'AQEAAAAAaNkj7iMWMzJBNUYwOUItRDIyNy01OEZBLUJCQzctNEE0QjE3MTg2NENE',
              AuthPrincipalType: 'SubUser',
              AuthPrincipalDisplayName: 'mse-watch-auditor',
              NoPermissionType: denied.explicit ? 'ExplicitDeny' : 'ImplicitDeny',
              AuthAction: ram,
            },
          },
        );
      }
      const delay = options.delayMs?.(action ?? '') ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const scripted = options.override?.(action ?? '', params);
      if (scripted) {
        record.status = scripted.status;
        res.writeHead(scripted.status, { 'content-type': 'application/json;charset=utf-8' });
        res.end(typeof scripted.body === 'string' ? scripted.body : JSON.stringify(scripted.body));
        return;
      }
      const handler = handlers[`${product}/${action}`];
      if (!handler)
        throw new FakeError(404, 'InvalidAction.NotFound', `Specified api ${action} is not found.`);
      answer(200, handler(params));
    } catch (error) {
      if (error instanceof FakeError) fail(error);
      else fail(new FakeError(500, 'InternalError', (error as Error).message));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    arrivals,
    metrics,
    calls: (action) => requests.filter((r) => r.action === action && r.status === 200),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
