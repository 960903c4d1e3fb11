import { z } from 'zod';
import { CategoryId, type Region } from '../catalog/schema.ts';
import { duration } from '../util/duration.ts';
import { MseWatchError } from '../util/errors.ts';

export const FAULTS = ['drop', 'refuse', 'absent', 'slow'] as const;

/** Which endpoints a fault hits: one ip:port, every port of one ip, or a whole category. */
export const FaultRule = z
  .strictObject({
    endpoint: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$/, 'expected "ip" or "ip:port"')
      .optional(),
    category: CategoryId.optional(),
    fault: z.enum(FAULTS),
    /** slow only: how long the endpoint takes to answer ("1500ms", "2s"), like every duration of a config. */
    delay: duration({ min: 1, max: 120_000 }).default(1500),
  })
  .refine((rule) => (rule.endpoint === undefined) !== (rule.category === undefined), {
    message: 'give exactly one of endpoint or category',
  });
export type FaultRule = z.infer<typeof FaultRule>;

export const Scenario = z.strictObject({
  description: z.string().optional(),
  faults: z.array(FaultRule).default([]),
  /**
   * A transparent proxy on the path: every address the check probes (the interception check's included), except
   * those a fault rule names, is answered by one listener that accepts every connection and answers every HTTP
   * request with `status`. The check's interception finding should say so.
   */
  transparentProxy: z.strictObject({ status: z.number().int().min(100).max(599).default(404) }).optional(),
});
export type Scenario = z.infer<typeof Scenario>;

/**
 * A fault must hit something of the region: an address outside it (a typo, another region's IP) would be
 * silently ignored and the simulation would not show the fault the user asked for.
 */
export const checkScenario = (scenario: Scenario, region: Region, source = 'scenario'): void => {
  const problems: string[] = [];
  scenario.faults.forEach((rule, index) => {
    if (rule.endpoint === undefined) {
      if (rule.category !== undefined && !region.endpoints.some((e) => e.category === rule.category))
        problems.push(`faults[${index}].category: ${region.id} has no ${rule.category} endpoints`);
      return;
    }
    const [ip, port] = rule.endpoint.split(':');
    const endpoint = region.endpoints.find((e) => e.ip === ip);
    if (!endpoint)
      problems.push(
        `faults[${index}].endpoint: ${ip} is not an address of ${region.id} (see mse-watch catalog --region ${region.id})`,
      );
    else if (port !== undefined && !endpoint.ports.includes(Number(port)))
      problems.push(
        `faults[${index}].endpoint: ${ip} serves ports ${endpoint.ports.join(', ')}, not ${port}`,
      );
  });
  if (problems.length > 0)
    throw new MseWatchError(
      'scenario-invalid',
      `invalid ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
};

/**
 * The demo's realistic fault: a partial allowlist. One governance-rules IP (the last one listed, as when a
 * team copied only the first rows of the page) is missing, so a DROP firewall eats its packets.
 */
export const demoScenario = (region: Region): Scenario => {
  const ips = region.endpoints.filter((e) => e.category === 'governance-rules').map((e) => e.ip);
  const missing = ips[ips.length - 1];
  return Scenario.parse({
    description: `${missing} (one of ${ips.length} governance-rules IPs) is missing from the firewall allowlist, so its packets are dropped`,
    faults: missing ? [{ endpoint: missing, fault: 'drop' }] : [],
  });
};
