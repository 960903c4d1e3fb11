import { z } from 'zod';
import { parseEndpointUrl } from './openapi-products.ts';

/** `what` with its article: "a VPC", "an ECS instance". */
const id = (prefix: string, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}-[A-Za-z0-9-]+$`),
      `${what} id, e.g. ${prefix}-bp1abc… (from the ECS or VPC console)`,
    );

const isEndpoint = (value: string): boolean => {
  try {
    parseEndpointUrl(value);
    return true;
  } catch {
    return false;
  }
};

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * The `audit:` section of a check config: what `probe-endpoints` audits through the OpenAPI (with the
 * function's role) to explain failing endpoints, and what `mse-watch audit` would take as flags.
 */
export const AuditConfig = z
  .strictObject({
    /** The security groups of the instances that must reach MSE (the function's own: its vpcConfig.securityGroupId). */
    securityGroups: z.array(id('sg', 'a security group')).default([]),
    /**
     * ECS instances that must reach MSE: all the security groups of each are evaluated together, as ECS applies
     * them, and (without vpcId or vSwitchId) the route table of each one's vSwitch is audited.
     */
    ecsInstances: z.array(id('i', 'an ECS instance')).default([]),
    /** Audit every route table of this VPC ... */
    vpcId: id('vpc', 'a VPC').optional(),
    /** ... or only the one this vSwitch uses. */
    vSwitchId: id('vsw', 'a vSwitch').optional(),
    /** Only this MSE instance; by default every instance of the region. */
    instanceId: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'an MSE instance id, e.g. mse-cn-…')
      .optional(),
    /** One OpenAPI base URL for every product (a private gateway): https://host[:port]. */
    endpoint: z.string().refine(isEndpoint, 'https://<host>[:port], no path').optional(),
    /** `vpc` uses the products' VPC endpoints (ecs-vpc.<region>.aliyuncs.com), reachable without internet access. */
    network: z.enum(['public', 'vpc']).default('public'),
    /** The zone MSE's "HH:mm" maintenance periods are read in. */
    maintenanceTimezone: z
      .string()
      .refine(isTimeZone, 'an IANA time zone, e.g. "Asia/Shanghai"')
      .default('Asia/Shanghai'),
  })
  .refine((audit) => !(audit.vpcId && audit.vSwitchId), {
    message: 'give vpcId or vSwitchId, not both (vSwitchId audits the one route table it uses)',
    path: ['vSwitchId'],
  });
export type AuditConfig = z.infer<typeof AuditConfig>;
export type AuditConfigInput = z.input<typeof AuditConfig>;
