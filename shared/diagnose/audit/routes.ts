import { type Cidr, cidrContains, parseCidr } from './ipv4.ts';

export type RouteEntryInput = {
  id?: string;
  destination: string;
  /** System | Custom | BGP | CEN | ECR ... */
  type: string;
  nextHopType?: string;
  nextHopId?: string;
};

export type RouteTableInput = {
  routeTableId: string;
  /** System | Custom */
  type: string;
  vSwitchIds: readonly string[];
  entries: readonly RouteEntryInput[];
};

/** A non-system entry that takes catalog addresses away from the system route that would carry them. */
export type Diversion = {
  routeTableId: string;
  routeEntryId?: string;
  destination: string;
  type: string;
  nextHopType: string;
  nextHopId: string;
  /** The system route it wins over for these addresses (100.64.0.0/10 for the catalog's 100.x addresses). */
  overrides: string;
  diverts: string[];
  vSwitchIds: string[];
};

export type RouteTableVerdict = {
  routeTableId: string;
  type: string;
  vSwitchIds: string[];
  entries: number;
  /** Catalog addresses no system route of this table covers: they are not cloud-service routed here at all. */
  uncovered: string[];
};

type Parsed = { entry: RouteEntryInput; cidr: Cidr; system: boolean };

/**
 * Every VPC route table has this system route to cloud services (the catalog's 100.100.x and 100.103.x ride
 * on it). It is assumed when a listing leaves it out, so a more specific custom route is still caught.
 */
export const CLOUD_SERVICE_ROUTE = '100.64.0.0/10';
const cloudServiceRoute: Parsed = {
  entry: { destination: CLOUD_SERVICE_ROUTE, type: 'System', nextHopType: 'service' },
  cidr: parseCidr(CLOUD_SERVICE_ROUTE)!,
  system: true,
};

/**
 * Longest prefix wins, as in any route table; between a system and another entry of the same length (which
 * the VPC does not allow anyway) the system route is kept. An address is diverted when the winner is not a
 * system entry although a system entry covers it; system routes never count as diversions.
 */
export const evaluateRoutes = (
  tables: readonly RouteTableInput[],
  ips: readonly string[],
): { diversions: Diversion[]; tables: RouteTableVerdict[] } => {
  const diversions: Diversion[] = [];
  const verdicts: RouteTableVerdict[] = [];
  const unique = [...new Set(ips)];
  for (const table of tables) {
    const parsed: Parsed[] = table.entries.flatMap((entry) => {
      const cidr = parseCidr(entry.destination);
      // IPv6 entries and unreadable ones never carry an IPv4 catalog address
      return cidr && entry.destination.includes('/')
        ? [{ entry, cidr, system: entry.type === 'System' }]
        : [];
    });
    if (!parsed.some((p) => p.system && p.cidr.prefix === 10 && p.entry.destination === CLOUD_SERVICE_ROUTE))
      parsed.push(cloudServiceRoute);
    const byEntry = new Map<RouteEntryInput, { ips: string[]; overrides: string }>();
    const uncovered: string[] = [];
    for (const ip of unique) {
      const covering = parsed.filter((p) => cidrContains(p.cidr, ip));
      const system = covering.filter((p) => p.system).sort((a, b) => b.cidr.prefix - a.cidr.prefix)[0];
      if (!system) {
        uncovered.push(ip);
        continue;
      }
      const winner = covering
        .filter((p) => !p.system && p.cidr.prefix > system.cidr.prefix)
        .sort((a, b) => b.cidr.prefix - a.cidr.prefix)[0];
      if (!winner) continue;
      const seen = byEntry.get(winner.entry) ?? { ips: [], overrides: system.entry.destination };
      seen.ips.push(ip);
      byEntry.set(winner.entry, seen);
    }
    for (const [entry, { ips: diverted, overrides }] of byEntry) {
      diversions.push({
        routeTableId: table.routeTableId,
        ...(entry.id ? { routeEntryId: entry.id } : {}),
        destination: entry.destination,
        type: entry.type,
        nextHopType: entry.nextHopType ?? 'unknown',
        nextHopId: entry.nextHopId ?? '',
        overrides,
        diverts: diverted,
        vSwitchIds: [...table.vSwitchIds],
      });
    }
    verdicts.push({
      routeTableId: table.routeTableId,
      type: table.type,
      vSwitchIds: [...table.vSwitchIds],
      entries: table.entries.length,
      uncovered,
    });
  }
  return { diversions, tables: verdicts };
};
