import pc from 'picocolors';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { demoScenario, startSimulation } from '../../shared/simulate/index.ts';
import type { Registrar } from '../command.ts';
import { EXIT, exitForSignal } from '../exit.ts';
import { teach } from '../help.ts';
import { commandName } from '../hint.ts';
import { stopOn, write } from '../io.ts';
import { checkText } from '../render.ts';

// A throwaway credential for the throwaway local server; it is never printed (the report masks it anyway).
const DEMO_USER = { username: 'nacos', password: 'mse-watch-demo' };

/**
 * The main job on an embedded default: a simulated region with a partial allowlist and a Nacos-compatible
 * server on loopback, checked and diagnosed exactly as a real run would be.
 */
export const registerDemo: Registrar = (program, io, setExit) => {
  const command = program
    .command('demo')
    .description('run a check against a simulated region with a realistic fault (no root, no network needed)')
    .option('-r, --region <region>', 'region to simulate', 'cn-shanghai')
    .action(async (options: { region: string }) => {
      const c = pc.createColors(Boolean(io.stdout.isTTY) && !io.env.NO_COLOR);
      const region = resolveRegion(loadCatalog(), options.region);
      const scenario = demoScenario(region);
      const stop = stopOn(io);
      const simulation = await startSimulation(region, scenario);
      try {
        const { startNacosTestServer } = await import('../../shared/simulate/nacos/index.ts');
        const nacos = await startNacosTestServer({
          host: '127.0.0.1',
          port: 0,
          grpcPort: 0,
          auth: DEMO_USER,
        });
        try {
          await write(
            io.stdout,
            `${c.bold('mse-watch demo')}: ${region.name} (${region.id}) simulated on loopback.
Scenario: ${scenario.description}.
Every catalog ip:port is served at a 127.77.x.y address and a Nacos-compatible server runs at ${nacos.host}:${nacos.port};
the check probes them exactly as it would the real ones.

`,
          );
          const config = parseConfig({
            ...simulation.config,
            probe: { timeout: '1500ms', attempts: 2 },
            nacos: { server: `${nacos.host}:${nacos.port}`, grpcPort: nacos.grpcPort, ...DEMO_USER },
          });
          const outcome = await checkConfig(config, {}, { signal: stop.signal });
          const stoppedBy = stop.stoppedBy();
          await write(io.stdout, checkText(outcome, io, undefined, stoppedBy));
          if (stoppedBy) {
            setExit(exitForSignal(stoppedBy));
            return;
          }
          await write(
            io.stdout,
            `\n${c.dim(`A real check exits ${outcome.ok ? 0 : 1} here. On your own network: ${commandName(io)} check --region ${region.id}`)}\n`,
          );
          // the demo worked if the check found exactly the injected fault and the Nacos round trips passed
          const missing = scenario.faults[0]?.endpoint;
          const found = outcome.report.findings.some((f) =>
            f.endpoints.some((e) => e.startsWith(`${missing}:`)),
          );
          setExit(found && outcome.nacos?.ok ? EXIT.ok : EXIT.problem);
        } finally {
          await nacos.close();
        }
      } finally {
        await simulation.close();
      }
    });
  teach(
    command,
    [
      ['mse-watch demo', 'China (Shanghai) with one governance-rules IP missing from the allowlist'],
      ['mse-watch demo --region cn-hangzhou', 'the same fault in another region'],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.SIGINT, EXIT.SIGTERM],
  );
};
