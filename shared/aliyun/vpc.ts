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
