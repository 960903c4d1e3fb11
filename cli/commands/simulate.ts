import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import type { Region } from '../../shared/catalog/schema.ts';
import { formatConfigIssues } from '../../shared/config/load.ts';
import { demoScenario, Scenario, type Simulation, startSimulation } from '../../shared/simulate/index.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { write } from '../io.ts';
import { regionOption } from '../options.ts';

export const loadScenario = async (file: string | undefined, region: Region): Promise<Scenario> => {
  if (!file) return Scenario.parse({});
  if (file === 'demo') return demoScenario(region);
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new MseWatchError('scenario-invalid', `cannot read scenario ${file}: ${(error as Error).message}`);
  }
  const result = Scenario.safeParse(raw ?? {});
  if (!result.success) throw new MseWatchError('scenario-invalid', formatConfigIssues(file, result.error));
  return result.data;
};

export const describeSimulation = (simulation: Simulation): string => {
  const lines = [
    `SIMULATION of ${simulation.region.name} (${simulation.region.id}) on loopback — not the real network.`,
  ];
  lines.push('catalog address        -> simulated at            fault');
  for (const e of simulation.endpoints) {
    lines.push(
      `${`${e.ip}:${e.port}`.padEnd(22)} -> ${e.at.padEnd(22)} ${e.fault === 'none' ? '' : e.fault}`,
    );
  }
  return `${lines.join('\n')}\n`;
};

export const registerSimulate: Registrar = (program, io) => {
  program
    .command('simulate')
    .description("serve a region's catalog on loopback with faults, and print how to point a check at it")
    .addOption(regionOption().makeOptionMandatory())
    .option(
      '-s, --scenario <file>',
      'faults to inject (YAML/JSON: faults: [{endpoint|category, fault: drop|refuse|absent|slow}]); "demo" for the demo scenario',
    )
    .option('-o, --write-config <file>', 'where to write the check config (default: a temporary file)')
    .option('--nacos', 'also serve a Nacos-compatible server (no auth) and add it to the config')
    .action(async (options: { region: string; scenario?: string; writeConfig?: string; nacos?: boolean }) => {
      const region = resolveRegion(loadCatalog(), options.region);
      const scenario = await loadScenario(options.scenario, region);
      const simulation = await startSimulation(region, scenario);
      const nacos = options.nacos
        ? await (await import('../../shared/simulate/nacos/index.ts')).startNacosTestServer({
            host: '127.0.0.1',
            port: 0,
            grpcPort: 0,
          })
        : undefined;
      try {
        const file =
          options.writeConfig ?? join(await mkdtemp(join(tmpdir(), 'mse-watch-sim-')), 'check.yaml');
        const config = nacos
          ? {
              ...simulation.config,
              nacos: { server: `${nacos.host}:${nacos.port}`, grpcPort: nacos.grpcPort },
            }
          : simulation.config;
        await writeFile(file, stringify(config));
        await write(io.stdout, describeSimulation(simulation));
        if (nacos)
          await write(
            io.stdout,
            `Nacos-compatible server: ${nacos.url} (gRPC ${nacos.host}:${nacos.grpcPort})\n`,
          );
        await write(
          io.stdout,
          `\nServing until interrupted (Ctrl-C). In another shell:\n  mse-watch check --config ${file}\n`,
        );
        await io.interrupted;
      } finally {
        await Promise.all([simulation.close(), nacos?.close()]);
      }
    });
};
