import pc from 'picocolors';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { renderText } from '../../shared/report/text.ts';
import { runCheck } from '../../shared/run.ts';
import { demoScenario, startSimulation } from '../../shared/simulate/index.ts';
import { write } from '../io.ts';
import type { Registrar } from '../program.ts';

/** The main job on an embedded default: a simulated region with a partial allowlist, checked and diagnosed. */
export const registerDemo: Registrar = (program, io, setExit) => {
  program
    .command('demo')
    .description('run a check against a simulated region with a realistic fault (no root, no network needed)')
    .option('-r, --region <region>', 'region to simulate', 'cn-shanghai')
    .action(async (options: { region: string }) => {
      const color = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
      const c = pc.createColors(color);
      const region = resolveRegion(loadCatalog(), options.region);
      const scenario = demoScenario(region);
      const simulation = await startSimulation(region, scenario);
      try {
        await write(
          io.stdout,
          `${c.bold('mse-watch demo')}: ${region.name} (${region.id}) simulated on loopback.\nScenario: ${scenario.description}.\nEvery catalog ip:port is served at a 127.77.x.y address; the check probes them exactly as it would the real ones.\n\n`,
        );
        const config = parseConfig({ ...simulation.config, probe: { timeoutMs: 1500, attempts: 2 } });
        const { report } = await runCheck(config);
        await write(io.stdout, renderText(report, { color }));
        await write(
          io.stdout,
          `\n${c.dim(`A real check exits ${report.ok ? 0 : 1} here. Try it on your network: mse-watch check --region ${region.id}`)}\n`,
        );
        // the demo succeeded if the check found exactly the fault that was injected
        const missing = scenario.faults[0]?.endpoint;
        const found = report.findings.some((finding) =>
          finding.endpoints.some((e) => e.startsWith(`${missing}:`)),
        );
        setExit(found ? 0 : 1);
      } finally {
        await simulation.close();
      }
    });
};
