import { z } from 'zod';
import type { OpenApi } from './openapi.ts';
import { followNextToken, followPages } from './paging.ts';

// z.object, not strict: vendor answers gain fields over time (see ecs.ts).
const Optional = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

export const DescribeVSwitchAttributesAnswer = z.object({
  VSwitchId: z.string().min(1),
  VpcId: z.string().min(1),
  CidrBlock: Optional,
  RouteTable: z.object({ RouteTableId: z.string().min(1), RouteTableType: Optional }).optional(),
  /** The network ACL bound to the vSwitch; absent or "" when none is. */
  NetworkAclId: Optional,
});
export type VSwitchAttributes = z.infer<typeof DescribeVSwitchAttributesAnswer>;

export const RouteTableSummary = z.object({
  RouteTableId: z.string().min(1),
  /** System | Custom */
  RouteTableType: z.string().default('System'),
  VpcId: Optional,
  VSwitchIds: z.object({ VSwitchId: z.array(z.string()).default([]) }).default({ VSwitchId: [] }),
});
export type RouteTableSummary = z.infer<typeof RouteTableSummary>;

export const DescribeRouteTableListAnswer = z.object({
  TotalCount: z.number().int().optional(),
  PageNumber: z.number().int().optional(),
  RouterTableList: z
    .object({ RouterTableListType: z.array(RouteTableSummary).default([]) })
    .default({ RouterTableListType: [] }),
});

const NextHop = z.object({ NextHopType: Optional, NextHopId: Optional });

export const RouteEntry = z.object({
  RouteEntryId: Optional,
  RouteTableId: Optional,
  DestinationCidrBlock: z.string().min(1),
  /** System | Custom | BGP | CEN | ECR ... */
  Type: z.string().min(1),
  Status: Optional,
  IpVersion: Optional,
  NextHops: z.object({ NextHop: z.array(NextHop).default([]) }).default({ NextHop: [] }),
});
export type RouteEntry = z.infer<typeof RouteEntry>;

export const DescribeRouteEntryListAnswer = z.object({
  NextToken: Optional,
  RouteEntrys: z.object({ RouteEntry: z.array(RouteEntry).default([]) }).default({ RouteEntry: [] }),
});

/** The vSwitch's VPC and the route table it uses (a custom table associated with it, or the VPC's system table). */
export const describeVSwitch = (api: OpenApi, vSwitchId: string): Promise<VSwitchAttributes> =>
  api.call(
    'vpc',
    'DescribeVSwitchAttributes',
    { RegionId: api.region, VSwitchId: vSwitchId },
    DescribeVSwitchAttributesAnswer,
  );

/** DescribeRouteTableList pages by PageNumber, at most 50 a page. */
const ROUTE_TABLE_PAGE = 50;

/** The VPC's route tables (system and custom), or the one table asked for. */
export const describeRouteTables = (
  api: OpenApi,
  filter: { vpcId: string } | { routeTableId: string },
): Promise<RouteTableSummary[]> =>
  followPages('VPC DescribeRouteTableList', ROUTE_TABLE_PAGE, async (page) => {
    const answer = await api.call(
      'vpc',
      'DescribeRouteTableList',
      {
        RegionId: api.region,
        ...('vpcId' in filter ? { VpcId: filter.vpcId } : { RouteTableId: filter.routeTableId }),
        PageNumber: page,
        PageSize: ROUTE_TABLE_PAGE,
      },
      DescribeRouteTableListAnswer,
    );
    return { items: answer.RouterTableList.RouterTableListType, totalCount: answer.TotalCount };
  });

/** Every entry of a route table, following NextToken (MaxResult 1..100). */
export const describeRouteEntries = (api: OpenApi, routeTableId: string): Promise<RouteEntry[]> =>
  followNextToken(`VPC DescribeRouteEntryList ${routeTableId}`, async (nextToken) => {
    const answer = await api.call(
      'vpc',
      'DescribeRouteEntryList',
      { RegionId: api.region, RouteTableId: routeTableId, MaxResult: 100, NextToken: nextToken },
      DescribeRouteEntryListAnswer,
    );
    return { items: answer.RouteEntrys.RouteEntry, nextToken: answer.NextToken };
  });

const AclEntryFields = {
  NetworkAclEntryId: Optional,
  NetworkAclEntryName: Optional,
  /** accept | drop */
  Policy: z.string().min(1),
  /** tcp | udp | icmp | gre | all | icmpv6 */
  Protocol: z.string().min(1),
  /** "80/80", "1/200"; "-1/-1" for all, icmp and gre */
  Port: Optional,
  /** system | custom */
  EntryType: Optional,
  /** IPv4 | IPv6 */
  IpVersion: Optional,
  Description: Optional,
};
export const EgressAclEntry = z.object({ ...AclEntryFields, DestinationCidrIp: Optional });
export type EgressAclEntry = z.infer<typeof EgressAclEntry>;
export const IngressAclEntry = z.object({ ...AclEntryFields, SourceCidrIp: Optional });
export type IngressAclEntry = z.infer<typeof IngressAclEntry>;

export const DescribeNetworkAclAttributesAnswer = z.object({
  NetworkAclAttribute: z.object({
    NetworkAclId: z.string().min(1),
    NetworkAclName: Optional,
    VpcId: Optional,
    Status: Optional,
    IngressAclEntries: z
      .object({ IngressAclEntry: z.array(IngressAclEntry).default([]) })
      .default({ IngressAclEntry: [] }),
    EgressAclEntries: z
      .object({ EgressAclEntry: z.array(EgressAclEntry).default([]) })
      .default({ EgressAclEntry: [] }),
    Resources: z
      .object({
        Resource: z
          .array(z.object({ ResourceId: Optional, ResourceType: Optional, Status: Optional }))
          .default([]),
      })
      .default({ Resource: [] }),
  }),
});
export type NetworkAclAttributes = z.infer<typeof DescribeNetworkAclAttributesAnswer>['NetworkAclAttribute'];

/** A network ACL with its inbound and outbound entries, in evaluation order (the list's order is the priority). */
export const describeNetworkAcl = async (api: OpenApi, networkAclId: string): Promise<NetworkAclAttributes> =>
  (
    await api.call(
      'vpc',
      'DescribeNetworkAclAttributes',
      { RegionId: api.region, NetworkAclId: networkAclId },
      DescribeNetworkAclAttributesAnswer,
    )
  ).NetworkAclAttribute;
