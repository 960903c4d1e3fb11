import { z } from 'zod';
import type { OpenApi } from './openapi.ts';
import { followNextToken } from './paging.ts';

// Vendor answers grow new fields over time: schemas here are z.object (unknown keys dropped), not strict,
// and check the fields the audit reads. Numbers sometimes arrive as strings ("Priority": "1").
const Int = z.union([z.number().int(), z.string().regex(/^-?\d+$/, 'expected an integer')]).transform(Number);
/** "" means "not set" in these answers. */
const Optional = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

export const SecurityGroupSummary = z.object({
  SecurityGroupId: z.string().min(1),
  SecurityGroupName: Optional,
  /** normal (basic) | enterprise (advanced) */
  SecurityGroupType: z.string().default('normal'),
  VpcId: Optional,
});
export type SecurityGroupSummary = z.infer<typeof SecurityGroupSummary>;

export const DescribeSecurityGroupsAnswer = z.object({
  RequestId: z.string().optional(),
  NextToken: Optional,
  TotalCount: z.number().optional(),
  SecurityGroups: z
    .object({ SecurityGroup: z.array(SecurityGroupSummary).default([]) })
    .default({ SecurityGroup: [] }),
});

export const Permission = z.object({
  SecurityGroupRuleId: Optional,
  Direction: Optional,
  /** TCP | UDP | ICMP | ICMPv6 | GRE | ALL */
  IpProtocol: z.string().min(1),
  /** "8848/8848", "1/65535", "-1/-1" */
  PortRange: Optional,
  PortRangeListId: Optional,
  DestCidrIp: Optional,
  Ipv6DestCidrIp: Optional,
  DestPrefixListId: Optional,
  DestGroupId: Optional,
  /** Accept | Drop (any case) */
  Policy: z.string().min(1),
  /** 1 (first) to 100 */
  Priority: Int,
  Description: Optional,
});
export type Permission = z.infer<typeof Permission>;

export const DescribeSecurityGroupAttributeAnswer = z.object({
  RequestId: z.string().optional(),
  SecurityGroupId: z.string().optional(),
  VpcId: Optional,
  NextToken: Optional,
  Permissions: z.object({ Permission: z.array(Permission).default([]) }).default({ Permission: [] }),
});

export const DescribePrefixListAttributesAnswer = z.object({
  PrefixListId: z.string().optional(),
  AddressFamily: Optional,
  Entries: z
    .object({ Entry: z.array(z.object({ Cidr: z.string().min(1), Description: Optional })).default([]) })
    .default({ Entry: [] }),
});

export const DescribePortRangeListEntriesAnswer = z.object({
  Entries: z.array(z.object({ PortRange: z.string().min(1), Description: Optional })).default([]),
});

/** DescribeSecurityGroups takes at most 100 ids a call (a JSON array) and pages with NextToken (MaxResults ≤ 100). */
const IDS_PER_CALL = 100;

/** The groups with these ids (type, VPC, name); an id that does not exist is simply absent from the answer. */
export const describeSecurityGroups = async (
  api: OpenApi,
  ids: readonly string[],
): Promise<SecurityGroupSummary[]> => {
  const groups: SecurityGroupSummary[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
    const batch = ids.slice(i, i + IDS_PER_CALL);
    groups.push(
      ...(await followNextToken('ECS DescribeSecurityGroups', async (nextToken) => {
        const answer = await api.call(
          'ecs',
          'DescribeSecurityGroups',
          {
            RegionId: api.region,
            SecurityGroupIds: JSON.stringify(batch),
            MaxResults: 100,
            NextToken: nextToken,
          },
          DescribeSecurityGroupsAnswer,
        );
        return { items: answer.SecurityGroups.SecurityGroup, nextToken: answer.NextToken };
      })),
    );
  }
  return groups;
};

/** Every egress rule of a group, following NextToken (MaxResults 10..1000). */
export const describeEgressRules = (api: OpenApi, securityGroupId: string): Promise<Permission[]> =>
  followNextToken(`ECS DescribeSecurityGroupAttribute ${securityGroupId}`, async (nextToken) => {
    const answer = await api.call(
      'ecs',
      'DescribeSecurityGroupAttribute',
      {
        RegionId: api.region,
        SecurityGroupId: securityGroupId,
        Direction: 'egress',
        MaxResults: 1000,
        NextToken: nextToken,
      },
      DescribeSecurityGroupAttributeAnswer,
    );
    // the answer to Direction=egress holds only egress rules; a server that mixes them in must not confuse us
    const rules = answer.Permissions.Permission.filter((p) => !p.Direction || p.Direction === 'egress');
    return { items: rules, nextToken: answer.NextToken };
  });

/** The CIDR blocks of a prefix list (at most 200 entries, one answer). */
export const describePrefixList = async (api: OpenApi, prefixListId: string): Promise<string[]> => {
  const answer = await api.call(
    'ecs',
    'DescribePrefixListAttributes',
    { RegionId: api.region, PrefixListId: prefixListId },
    DescribePrefixListAttributesAnswer,
  );
  return answer.Entries.Entry.map((entry) => entry.Cidr);
};

/** The port ranges of a port list ("8848/8848"), one answer. */
export const describePortRangeList = async (api: OpenApi, portRangeListId: string): Promise<string[]> => {
  const answer = await api.call(
    'ecs',
    'DescribePortRangeListEntries',
    { RegionId: api.region, PortRangeListId: portRangeListId },
    DescribePortRangeListEntriesAnswer,
  );
  return answer.Entries.map((entry) => entry.PortRange);
};

export const EcsInstanceSummary = z.object({
  InstanceId: z.string().min(1),
  InstanceName: Optional,
  Status: Optional,
  /** vpc | classic */
  InstanceNetworkType: Optional,
  /** The groups of the instance's primary ENI, in the order ECS lists them. */
  SecurityGroupIds: z
    .object({ SecurityGroupId: z.array(z.string().min(1)).default([]) })
    .default({ SecurityGroupId: [] }),
  VpcAttributes: z.object({ VpcId: Optional, VSwitchId: Optional }).optional(),
  // DescribeInstances lists the ENIs (Primary, Secondary, Trunk) without their security groups: a secondary ENI's
  // groups are only in DescribeNetworkInterfaces
  NetworkInterfaces: z
    .object({
      NetworkInterface: z
        .array(z.object({ NetworkInterfaceId: Optional, Type: Optional, PrimaryIpAddress: Optional }))
        .default([]),
    })
    .default({ NetworkInterface: [] }),
});
export type EcsInstanceSummary = z.infer<typeof EcsInstanceSummary>;

export const DescribeInstancesAnswer = z.object({
  RequestId: z.string().optional(),
  NextToken: Optional,
  Instances: z.object({ Instance: z.array(EcsInstanceSummary).default([]) }).default({ Instance: [] }),
});

/**
 * The ECS instances with these ids (their security groups, VPC and vSwitch); an id that does not exist is simply
 * absent from the answer. `InstanceIds` takes at most 100 ids (a JSON array); pages follow NextToken (MaxResults
 * 1..100; TotalCount is not valid in that mode, so it is not read).
 */
export const describeInstances = async (
  api: OpenApi,
  ids: readonly string[],
): Promise<EcsInstanceSummary[]> => {
  const instances: EcsInstanceSummary[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
    const batch = ids.slice(i, i + IDS_PER_CALL);
    instances.push(
      ...(await followNextToken('ECS DescribeInstances', async (nextToken) => {
        const answer = await api.call(
          'ecs',
          'DescribeInstances',
          {
            RegionId: api.region,
            InstanceIds: JSON.stringify(batch),
            MaxResults: 100,
            NextToken: nextToken,
          },
          DescribeInstancesAnswer,
        );
        return { items: answer.Instances.Instance, nextToken: answer.NextToken };
      })),
    );
  }
  return instances;
};

export const NetworkInterfaceSummary = z.object({
  NetworkInterfaceId: z.string().min(1),
  /** Primary | Secondary | Trunk | Member */
  Type: Optional,
  InstanceId: Optional,
  Status: Optional,
  VpcId: Optional,
  VSwitchId: Optional,
  /** The ENI's own security groups: traffic it sends is filtered by these, not by the instance's. */
  SecurityGroupIds: z
    .object({ SecurityGroupId: z.array(z.string().min(1)).default([]) })
    .default({ SecurityGroupId: [] }),
});
export type NetworkInterfaceSummary = z.infer<typeof NetworkInterfaceSummary>;

export const DescribeNetworkInterfacesAnswer = z.object({
  NextToken: Optional,
  NetworkInterfaceSets: z
    .object({ NetworkInterfaceSet: z.array(NetworkInterfaceSummary).default([]) })
    .default({ NetworkInterfaceSet: [] }),
});

/**
 * The ENIs with these ids and their security groups (DescribeInstances lists an instance's ENIs without them).
 * `NetworkInterfaceId.N` takes 1..100 ids a call; pages follow NextToken (MaxResults 10..500). An id that does
 * not exist is absent from the answer.
 */
export const describeNetworkInterfaces = async (
  api: OpenApi,
  ids: readonly string[],
): Promise<NetworkInterfaceSummary[]> => {
  const found: NetworkInterfaceSummary[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
    const batch = ids.slice(i, i + IDS_PER_CALL);
    found.push(
      ...(await followNextToken('ECS DescribeNetworkInterfaces', async (nextToken) => {
        const answer = await api.call(
          'ecs',
          'DescribeNetworkInterfaces',
          {
            RegionId: api.region,
            ...Object.fromEntries(batch.map((id, n) => [`NetworkInterfaceId.${n + 1}`, id])),
            MaxResults: 100,
            NextToken: nextToken,
          },
          DescribeNetworkInterfacesAnswer,
        );
        return { items: answer.NetworkInterfaceSets.NetworkInterfaceSet, nextToken: answer.NextToken };
      })),
    );
  }
  return found;
};
