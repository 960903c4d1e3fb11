import { createServer } from 'node:net';
import { regionTargets } from '../catalog/index.ts';
import type { Region } from '../catalog/schema.ts';
import { INTERCEPTION_CATEGORY, interceptionAddress } from '../diagnose/index.ts';
import type { SimulationConfigInput } from './config.ts';
import { ABSENT, slowHost } from './dialer.ts';
import { serveTransparentProxy } from './proxy.ts';
import { checkScenario, type FaultRule, type Scenario } from './scenario.ts';
import { type Serving, serveBlackhole, serveEndpoint } from './servers.ts';

export { ABSENT, simulationDialer, slowDelayOf, slowHost } from './dialer.ts';
export { serveTransparentProxy } from './proxy.ts';
export { checkScenario, demoScenario, FaultRule, Scenario } from './scenario.ts';
export { serveBlackhole, serveEndpoint, serveEndpoints } from './servers.ts';

/** Loopback addresses for simulated catalog IPs: all of 127/8 reaches lo on Linux, no root needed. */
const LOOPBACK_BASE = [127, 77];

/** `proxy`: answered by the scenario's transparent proxy. */
export type SimulatedEndpoint = {
  ip: string;
  port: number;
  category: string;
  fault: FaultRule['fault'] | 'none' | 'proxy';
  at: string;
};

export type Simulation = {
  region: Region;
  /** Every catalog ip:port of the region (ARMS included). */
  endpoints: SimulatedEndpoint[];
  /**
   * The stand-in for the interception check's address (a port MSE does not serve): a closed port, so it is
   * refused as on a clean path, or the transparent proxy when the scenario has one.
   */
  interception?: SimulatedEndpoint;
  /**
   * Every catalog "ip:port" → "host:port". The check config's `simulation.addressMap` is this map plus the
   * interception check's address.
   */
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
 * handshake itself takes the delay: see slowHost). A fault for an address outside the region is an error. With
 * `transparentProxy`, every endpoint no fault names is answered by one proxy listener instead. The interception
 * check's address gets a closed port (refused, as on a clean path), or the proxy.
 */
export const startSimulation = async (region: Region, scenario: Scenario): Promise<Simulation> => {
  checkScenario(scenario, region);
  const hosts = new Map<string, string>();
  const servers: Serving[] = [];
  const endpoints: SimulatedEndpoint[] = [];
  const addressMap: Record<string, string> = {};
  let interception: SimulatedEndpoint | undefined;
  const hostOf = (ip: string): string => {
    if (!hosts.has(ip)) {
      const n = hosts.size + 1;
      hosts.set(ip, `${LOOPBACK_BASE.join('.')}.${Math.floor(n / 250)}.${(n % 250) + 1}`);
    }
    return hosts.get(ip) ?? '127.0.0.1';
  };
  try {
    const proxy = scenario.transparentProxy
      ? await serveTransparentProxy({
          host: `${LOOPBACK_BASE.join('.')}.255.1`,
          status: scenario.transparentProxy.status,
        })
      : undefined;
    if (proxy) servers.push(proxy);
    for (const target of regionTargets(region, { includeArms: true })) {
      const host = hostOf(target.ip);
      const rule = faultFor(scenario.faults, target.ip, target.port, target.category);
      const http = target.port === 80 || target.port === 8080;
      let at: string;
      const fault = rule?.fault;
      switch (fault) {
        case undefined: {
          // behind a transparent proxy, an endpoint no fault names is answered by the proxy
          if (proxy) {
            at = `${proxy.host}:${proxy.port}`;
            break;
          }
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
        fault: rule?.fault ?? (proxy ? 'proxy' : 'none'),
        at,
      });
    }
    const address = interceptionAddress(region);
    if (address) {
      interception = {
        ...address,
        category: INTERCEPTION_CATEGORY,
        fault: proxy ? 'proxy' : 'none',
        at: proxy
          ? `${proxy.host}:${proxy.port}`
          : `${hostOf(address.ip)}:${await closedPort(hostOf(address.ip))}`,
      };
    }
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  const note = `simulated ${region.id} on loopback${scenario.description ? `: ${scenario.description}` : ''}`;
  const checked = interception
    ? { ...addressMap, [`${interception.ip}:${interception.port}`]: interception.at }
    : addressMap;
  return {
    region,
    endpoints,
    ...(interception ? { interception } : {}),
    addressMap,
    config: { region: region.id, simulation: { note, addressMap: checked } },
    close: async () => void (await Promise.all(servers.map((server) => server.close()))),
  };
};
