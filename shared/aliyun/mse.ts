import { z } from 'zod';
import type { OpenApi } from './openapi.ts';
import { followPages } from './paging.ts';

// z.object, not strict: vendor answers gain fields over time (see ecs.ts).
const Optional = z
  .string()
  .optional()
  .nullable()
  .transform((value) => (value === '' || value === null ? undefined : value));

/** The O&M window as MSE gives it: "HH:mm" start and end (example 02:00-06:00). */
export const MaintenancePeriod = z.object({ StartTime: Optional, EndTime: Optional });

export const ClusterSummary = z.object({
  InstanceId: z.string().min(1),
  ClusterName: Optional,
  ClusterAliasName: Optional,
  /** Nacos-Ans | ZooKeeper | Eureka */
  ClusterType: Optional,
  /** edition: mse_dev | mse_pro | mse_serverless ... */
  MseVersion: Optional,
  AppVersion: Optional,
  VersionCode: Optional,
  InitStatus: Optional,
  IntranetDomain: Optional,
  InternetDomain: Optional,
  VpcId: Optional,
  MaintenancePeriod: MaintenancePeriod.optional().nullable(),
});
export type ClusterSummary = z.infer<typeof ClusterSummary>;

export const ListClustersAnswer = z.object({
  Success: z.boolean().optional(),
  TotalCount: z.number().int().optional(),
  PageNumber: z.number().int().optional(),
  Data: z.array(ClusterSummary).nullable().default([]),
});

export const ClusterInfo = z.object({
  InstanceId: z.string().min(1),
  ClusterName: Optional,
  ClusterAliasName: Optional,
  ClusterType: Optional,
  ClusterVersion: Optional,
  AppVersion: Optional,
  MseVersion: Optional,
  HealthStatus: Optional,
  InitStatus: Optional,
  IntranetDomain: Optional,
  /** "8848,6443,9848,8761" */
  IntranetPort: Optional,
  InternetDomain: Optional,
  VpcId: Optional,
  VSwitchId: Optional,
  InstanceCount: z.number().int().optional().nullable(),
  MaintenancePeriod: MaintenancePeriod.optional().nullable(),
});
export type ClusterInfo = z.infer<typeof ClusterInfo>;

export const QueryClusterInfoAnswer = z.object({
  Success: z.boolean().optional(),
  Data: ClusterInfo,
});

/** ListClusters pages by PageNum (the answer calls it PageNumber). */
const CLUSTER_PAGE = 50;

/** Every MSE instance (registry and configuration center) of the region. */
export const listClusters = (api: OpenApi): Promise<ClusterSummary[]> =>
  followPages('MSE ListClusters', CLUSTER_PAGE, async (page) => {
    const answer = await api.call(
      'mse',
      'ListClusters',
      { RegionId: api.region, PageNum: page, PageSize: CLUSTER_PAGE },
      ListClustersAnswer,
    );
    return { items: answer.Data ?? [], totalCount: answer.TotalCount };
  });

/** One instance's details: health, intranet domain and ports, VPC, maintenance period. */
export const queryClusterInfo = async (api: OpenApi, instanceId: string): Promise<ClusterInfo> =>
  (
    await api.call(
      'mse',
      'QueryClusterInfo',
      { RegionId: api.region, InstanceId: instanceId },
      QueryClusterInfoAnswer,
    )
  ).Data;
