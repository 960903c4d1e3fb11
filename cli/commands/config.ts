import { stringify } from 'yaml';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { isMseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { describeSource, discoverConfig, loadDiscovered } from '../config.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { PREFIX, write } from '../io.ts';
import { configOption } from '../options.ts';
import { maskConfig } from '../secrets.ts';

/** The problems of a failed load, one per line ("probe.attempts: must be at least 1"). */
const problemsOf = (message: string): string[] => {
  const items = message
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4));
  return items.length > 0 ? items : [message];
};

export const registerConfig: Registrar = (program, io, setExit) => {
  const config = program.command('config').description('the config file: validate it, show what it means');

  const check = config
    .command('check')
    .description(
      'validate the config without running it and print the effective config (defaults filled in, secrets masked)',
    )
    .addOption(configOption())
    .option('--json', 'print one JSON document: {ok, source, config} or {ok, source, problems}')
    .action(async (flags: { config?: string; json?: boolean }) => {
      const discovered = discoverConfig(flags.config, io);
      const where = discovered ? { source: describeSource(discovered) } : {};
      let found: Awaited<ReturnType<typeof loadDiscovered>>;
      try {
        found = await loadDiscovered(flags.config, io);
        if (found?.config.region) resolveRegion(loadCatalog(), found.config.region);
      } catch (error) {
        if (!isMseWatchError(error)) throw error;
        const problems = problemsOf(error.message);
        if (flags.json)
          await write(io.stdout, `${JSON.stringify({ ok: false, ...where, problems }, null, 2)}\n`);
        else
          await write(
            io.stderr,
            `${PREFIX} ${problems.length === 1 ? problems[0] : `${error.message.split('\n')[0]}\n${problems.map((p) => `  - ${p}`).join('\n')}`}\n`,
          );
        setExit(EXIT.usage);
        return;
      }
      if (!found) {
        const message =
          'no config to check: give --config FILE, set $MSE_WATCH_CONFIG, or put mse-watch.yaml in this directory';
        if (flags.json)
          await write(io.stdout, `${JSON.stringify({ ok: false, problems: [message] }, null, 2)}\n`);
        else await write(io.stderr, `${PREFIX} ${message}\n`);
        setExit(EXIT.usage);
        return;
      }
      const { masked, redact } = maskConfig(found.config);
      const source = describeSource(found.source);
      if (flags.json) {
        await write(io.stdout, redact(`${JSON.stringify({ ok: true, source, config: masked }, null, 2)}\n`));
      } else {
        await write(
          io.stdout,
          redact(
            `# ${source}: valid. The effective config, defaults filled in, secrets masked:\n${stringify(masked)}`,
          ),
        );
      }
      setExit(EXIT.ok);
    });
  teach(
    check,
    [
      [
        'mse-watch config check',
        'validate ./mse-watch.yaml (or $MSE_WATCH_CONFIG) and show it with its defaults',
      ],
      [
        'mse-watch config check --config prod.yaml --json',
        'for CI: {ok, problems} on stdout, exit 2 when invalid',
      ],
    ],
    [EXIT.ok, EXIT.usage],
  );
};
