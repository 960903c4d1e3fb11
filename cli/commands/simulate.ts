import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import type { Region } from '../../shared/catalog/schema.ts';
import { formatConfigIssues } from '../../shared/config/issues.ts';
import {
  checkScenario,
  demoScenario,
  Scenario,
  type Simulation,
  startSimulation,
} from '../../shared/simulate/index.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { describeSystemError, isSystemError } from '../errors.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { commandName } from '../hint.ts';
import { PREFIX, stopOn, write } from '../io.ts';
import { regionOption } from '../options.ts';

export const loadScenario = async (file: string | undefined, region: Region): Promise<Scenario> => {
  if (!file) return Scenario.parse({});
  if (file === 'demo') return demoScenario(region);
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new MseWatchError(
      'scenario-invalid',
      `cannot read scenario ${file}: ${isSystemError(error) ? describeSystemError(error, file) : (error as Error).message}`,
    );
  }
  const result = Scenario.safeParse(raw ?? {});
  if (!result.success)
    throw new MseWatchError(
      'scenario-invalid',
      formatConfigIssues(file, result.error).replace(/^invalid config/, 'invalid scenario'),
    );
  checkScenario(result.data, region, `scenario ${file}`);
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

export const registerSimulate: Registrar = (program, io, setExit) => {
  const command = program
    .command('simulate')
    .description("serve a region's catalog on loopback with faults, and print how to point a check at it")
    .addOption(regionOption().makeOptionMandatory())
    .option(
      '-s, --scenario <file>',
      'faults to inject (YAML/JSON: faults: [{endpoint|category, fault: drop|refuse|absent|slow, delay}]); "demo" for the demo scenario',
    )
    .option(
      '-o, --write-config <file>',
      'where to write the check config (default: a temporary directory, removed when the simulation stops)',
    )
    .option('--nacos', 'also serve a Nacos-compatible server (no auth) and add it to the config')
    .action(async (options: { region: string; scenario?: string; writeConfig?: string; nacos?: boolean }) => {
      const region = resolveRegion(loadCatalog(), options.region);
      const scenario = await loadScenario(options.scenario, region);
      const stop = stopOn(io);
      const simulation = await startSimulation(region, scenario);
      // the temporary directory goes on every exit: the end of serving, an error, a second Ctrl-C
      let temporary: string | undefined;
      let forget = () => {};
      const removeTemporary = () => {
        if (temporary) rmSync(temporary, { recursive: true, force: true });
        temporary = undefined;
      };
      try {
        const nacos = options.nacos
          ? await (await import('../../shared/simulate/nacos/index.ts')).startNacosTestServer({
              host: '127.0.0.1',
              port: 0,
              grpcPort: 0,
            })
          : undefined;
        try {
          if (!options.writeConfig) {
            temporary = mkdtempSync(join(tmpdir(), 'mse-watch-sim-'));
            forget = io.atExit?.(removeTemporary) ?? forget;
          }
          const file = options.writeConfig ?? join(temporary ?? '', 'check.yaml');
          const config = nacos
            ? {
                ...simulation.config,
                nacos: { server: `${nacos.host}:${nacos.port}`, grpcPort: nacos.grpcPort },
              }
            : simulation.config;
          let written = true;
          try {
            await writeFile(file, stringify(config));
          } catch (error) {
            written = false;
            await write(
              io.stderr,
              `${PREFIX} --write-config: ${isSystemError(error) ? describeSystemError(error, file) : (error as Error).message}; the config is printed below instead\n`,
            );
          }
          await write(io.stdout, describeSimulation(simulation));
          if (nacos)
            await write(
              io.stdout,
              `Nacos-compatible server: ${nacos.url} (gRPC ${nacos.host}:${nacos.grpcPort})\n`,
            );
          const run = commandName(io);
          await write(
            io.stdout,
            written
              ? `\nServing until interrupted (Ctrl-C). In another shell:\n  ${run} check --config ${file}\n`
              : `\nServing until interrupted (Ctrl-C). Save this as a file and run ${run} check --config <file>:\n${stringify(config)}`,
          );
          if (!stop.signal.aborted)
            await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
          // stopping a simulation is how it ends: 0, unless the config could not be written
          setExit(written ? EXIT.ok : EXIT.output);
        } finally {
          await nacos?.close();
        }
      } finally {
        await simulation.close();
        removeTemporary();
        forget();
      }
    });
  teach(
    command,
    [
      [
        'mse-watch simulate --region cn-shanghai --scenario demo',
        'the demo fault; prints the check command to run in another shell',
      ],
      [
        'mse-watch simulate --region cn-hangzhou --scenario faults.yaml --write-config sim.yaml',
        'your own faults, e.g. faults: [{endpoint: "100.100.27.224:8848", fault: slow, delay: 2s}]',
      ],
      ['mse-watch simulate --region cn-beijing --nacos', 'also a Nacos-compatible server, in the config'],
    ],
    [EXIT.ok, EXIT.usage, EXIT.output],
  );
};
