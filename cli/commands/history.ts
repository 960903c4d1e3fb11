import { z } from 'zod';
import { findRegion, loadCatalog } from '../../shared/catalog/index.ts';
import type { Registrar } from '../command.ts';
import { loadDiscovered } from '../config.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { note, write } from '../io.ts';
import { configOption, duration } from '../options.ts';
import { jsonText } from '../render.ts';

type HistoryFlags = { config?: string; since?: number; json?: boolean; region?: string[] };

/** The window: at least a minute, at most what history keeps at all. */
const Since = z
  .number()
  .min(60_000, 'must be at least 1m')
  .max(30 * 86_400_000, 'must be at most 30d');

export const registerHistory: Registrar = (program, io, setExit) => {
  const command = program
    .command('history')
    .description('uptime (1h, 24h, 7d, 30d), incidents and time to recovery from the recorded runs')
    .addOption(configOption('config file (its state.dir says where history.json is); default as for check'))
    .option(
      '--since <duration>',
      'the window for incidents and per-endpoint uptime, e.g. 1h, 24h, 7d; a bare number is seconds (default: 24h)',
      duration('--since', 's', Since),
    )
    .option('--region <region...>', 'only these regions (ids as recorded, e.g. cn-hangzhou)')
    .option('--json', 'print one JSON document (every incident of the window; text shows 20 per region)')
    .action(async (flags: HistoryFlags) => {
      // loaded when the command runs: every other command starts without it
      const { HISTORY_FILE, historyStore, historyView, renderHistoryText } = await import(
        '../../shared/history/index.ts'
      );
      const found = await loadDiscovered(flags.config, io);
      const store = historyStore(found?.config ?? {});
      // reading never repairs: a damaged file is reported and left for the next run to deal with
      const loaded = await store.load({ readOnly: true });
      const absent = loaded.note?.startsWith('no state file') === true;
      if (absent)
        note(
          io,
          `no ${HISTORY_FILE} at ${store.location} yet: runs are recorded by serve and the functions, and by check when the config has state.dir or a history: section`,
        );
      else if (loaded.note) note(io, loaded.note);
      // a region given by name or alias is looked up: history keys by the id
      const regions = flags.region?.map((region) => findRegion(loadCatalog(), region)?.id ?? region);
      const view = historyView(loaded.state, {
        sinceMs: flags.since ?? 86_400_000,
        now: Date.now(),
        ...(regions ? { regions } : {}),
      });
      await write(io.stdout, flags.json ? jsonText(view) : renderHistoryText(view));
      setExit(EXIT.ok);
    });
  teach(
    command,
    [
      ['mse-watch history', 'uptime and the incidents of the last 24 hours, per region and category'],
      ['mse-watch history --since 7d --config /etc/mse-watch/mse-watch.yaml', 'a week, from that state.dir'],
      ['mse-watch history --json | jq ".regions[].recovery"', 'incidents, MTTR and the longest, for tools'],
    ],
    [EXIT.ok, EXIT.usage, EXIT.system],
  );
};
