import { z } from 'zod';

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;

/**
 * The `simulation:` section: maps catalog IPs to the addresses that stand in for them (a simulation on
 * loopback). Written by `mse-watch simulate`; shown in every report so a simulation is never mistaken for the
 * real thing.
 */
export const SimulationConfig = z.strictObject({
  note: z.string().default('simulated region on loopback'),
  /** "catalogIp:port" → "loopbackHost:port" for every endpoint the simulation serves. */
  addressMap: z.record(
    z.string().regex(HOST_PORT, 'expected ip:port'),
    z.string().regex(HOST_PORT, 'expected host:port'),
  ),
});
export type SimulationConfig = z.infer<typeof SimulationConfig>;
export type SimulationConfigInput = z.input<typeof SimulationConfig>;
