import { createServer } from 'node:net';
import { regionTargets } from '../catalog/index.ts';
import type { Region } from '../catalog/schema.ts';
import type { SimulationConfigInput } from './config.ts';
import { ABSENT, slowHost } from './dialer.ts';
import { checkScenario, type FaultRule, type Scenario } from './scenario.ts';
import { type Serving, serveBlackhole, serveEndpoint } from './servers.ts';

export { ABSENT, simulationDialer, slowDelayOf, slowHost } from './dialer.ts';
export { checkScenario, demoScenario, FaultRule, Scenario } from './scenario.ts';
export { serveBlackhole, serveEndpoint, serveEndpoints } from './servers.ts';

/** Loopback addresses for simulated catalog IPs: all of 127/8 reaches lo on Linux, no root needed. */
const LOOPBACK_BASE = [127, 77];

export type SimulatedEndpoint = {
  ip: string;
  port: number;
  category: string;
  fault: FaultRule['fault'] | 'none';
  at: string;
};

export type Simulation = {
  region: Region;
  endpoints: SimulatedEndpoint[];
  /** "catalogIp:port" → "host:port", the `simulation.addressMap` of a check config. */
  addressMap: Record<string, string>;
  /** A check config pointing at this simulation. */
  config: { region: string; simulation: SimulationConfigInput };
  close(): Promise<void>;
};

const faultFor = (rules: FaultRule[], ip: string, port: number, category: string): FaultRule | undefined =>
  rules.find(
    (rule) =>
      rule.endpoint === `${ip}:${port}` ||
      rule.endpoint === ip ||
      (rule.category !== undefined && rule.category === category),
  );

/** A port that was free a moment ago and is closed now: connecting to it is refused with a RST. */
const closedPort = async (host: string): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
};

/**
 * Serves every ip:port of a region (ARMS included) on loopback, each catalog IP on its own 127.77.x.y address
 * and ephemeral ports, with the scenario's faults: drop (a listener that never accepts: SYNs time out),
 * refuse (a closed port: RST), absent (no route: failed by the check's simulation dialer before any packet),
 * slow (on HTTP ports the server answers after the delay; on the others, probed by a handshake alone, the
 * handshake itself takes the delay: see slowHost). A fault for an address outside the region is an error.
 */
export const startSimulation = async (region: Region, scenario: Scenario): Promise<Simulation> => {
  checkScenario(scenario, region);
  const hosts = new Map<string, string>();
  const servers: Serving[] = [];
  const endpoints: SimulatedEndpoint[] = [];
  const addressMap: Record<string, string> = {};
  try {
    for (const target of regionTargets(region, { includeArms: true })) {
      if (!hosts.has(target.ip)) {
        const n = hosts.size + 1;
        hosts.set(target.ip, `${LOOPBACK_BASE.join('.')}.${Math.floor(n / 250)}.${(n % 250) + 1}`);
      }
      const host = hosts.get(target.ip) ?? '127.0.0.1';
      const rule = faultFor(scenario.faults, target.ip, target.port, target.category);
      const http = target.port === 80 || target.port === 8080;
      let at: string;
      const fault = rule?.fault;
      switch (fault) {
        case undefined: {
          const server = await serveEndpoint({ host, port: 0, http });
          servers.push(server);
          at = `${host}:${server.port}`;
          break;
        }
        case 'slow': {
          const delay = rule?.delay ?? 0;
          // HTTP: a late answer (first byte); TCP: a late handshake, through the stand-in's address
          const server = http
            ? await serveEndpoint({ host, port: 0, http, delayMs: delay })
            : await serveEndpoint({ host: slowHost(delay), port: 0, http });
          servers.push(server);
          at = `${server.host}:${server.port}`;
          break;
        }
        case 'drop': {
          const server = await serveBlackhole(host);
          servers.push(server);
          at = `${host}:${server.port}`;
          break;
        }
        case 'refuse':
          at = `${host}:${await closedPort(host)}`;
          break;
        case 'absent':
          at = `${ABSENT.host}:${ABSENT.port}`;
          break;
        default: {
          const never: never = fault;
          throw new Error(`unhandled fault ${String(never)}`);
        }
      }
      addressMap[`${target.ip}:${target.port}`] = at;
      endpoints.push({
        ip: target.ip,
        port: target.port,
        category: target.category,
        fault: rule?.fault ?? 'none',
        at,
      });
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  const note = `simulated ${region.id} on loopback${scenario.description ? `: ${scenario.description}` : ''}`;
  return {
    region,
    endpoints,
    addressMap,
    config: { region: region.id, simulation: { note, addressMap } },
    close: async () => void (await Promise.all(servers.map((server) => server.close()))),
  };
};
