import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { StateConfig } from '../../shared/state/config.ts';
import { formatDuration, parseDuration } from '../../shared/util/duration.ts';
import { textTable } from '../../shared/util/table.ts';
import type { Registrar } from '../command.ts';
import { loadDiscovered } from '../config.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { type CliIo, detail, widthFor, write } from '../io.ts';
import { configOption } from '../options.ts';
import { jsonText } from '../render.ts';

type When = { kind: 'in'; ms: number } | { kind: 'at'; time: Date };
type AddFlags = {
  until?: When;
  start?: Date;
  comment?: string;
  by?: string;
  config?: string;
  json?: boolean;
};
type ListFlags = { all?: boolean; config?: string; json?: boolean };
type RemoveFlags = { config?: string; json?: boolean };

const Instant = z.iso.datetime({ offset: true });

/** An ISO time with its offset (2026-11-21T04:00:00+08:00): a time without one would mean a different moment per host. */
const instant =
  (flag: string) =>
  (value: string): Date => {
    if (!Instant.safeParse(value.trim()).success)
      throw new InvalidArgumentError(
        `${flag} "${value}" is not a time with an offset: write e.g. 2026-11-21T04:00:00+08:00 or 2026-11-20T20:00:00Z`,
      );
    return new Date(value.trim());
  };

/** A duration from the start (2h, 30m; a bare number is seconds) or an ISO time with its offset. */
const untilFlag = (value: string): When => {
  const ms = parseDuration(value, 's');
  if (ms !== undefined) {
    if (ms < 60_000) throw new InvalidArgumentError(`--until must be at least 1m, got ${formatDuration(ms)}`);
    return { kind: 'in', ms };
  }
  return { kind: 'at', time: instant('--until')(value) };
};

const who = (io: CliIo): string => `${io.env.USER ?? io.env.LOGNAME ?? 'someone'}@${hostname()}`;

/** Where the state is, and the config's own silences (listed beside the stored ones). */
const context = async (flag: string | undefined, io: CliIo) => {
  const { alertStore, AlertingConfig } = await import('../../shared/alerting/index.ts');
  const found = await loadDiscovered(flag, io);
  const state = found?.config.state;
  return {
    store: alertStore(state ? { state } : {}),
    waitMs: (state ?? StateConfig.parse({})).lockWait,
    alerting: found?.config.alerting ?? AlertingConfig.parse({}),
  };
};

const DEFAULT_FOR_MS = 3_600_000;

export const registerSilence: Registrar = (program, io, setExit) => {
  const silence = program
    .command('silence')
    .description('hold alert announcements back for a while without editing the config: add, list, remove');

  const add = silence
    .command('add')
    .description('silence the alert keys that match the patterns (stored in the alert state, removed by id)')
    .argument('<pattern...>', 'alert key patterns: "cn-hangzhou/*", "*:9848", "nacos/*", or one key')
    .option(
      '--until <duration|time>',
      'how long from the start (e.g. 2h; a bare number is seconds), or when it ends (2026-11-21T04:00:00+08:00); default 1h',
      untilFlag,
    )
    .option('--start <time>', 'when it starts, with its offset (default: now)', instant('--start'))
    .option('--comment <text>', 'why, shown in silence list and in what the silence holds back')
    .option('--by <name>', 'who adds it (default: $USER@host)')
    .addOption(configOption('config file (its state.dir says where alert-state.json is)'))
    .option('--json', 'print one JSON document')
    .action(async (patterns: string[], flags: AddFlags) => {
      // loaded when the command runs: every other command starts without it
      const { addSilence, editAlertState, matchesKey } = await import('../../shared/alerting/index.ts');
      const { store, waitMs } = await context(flags.config, io);
      const now = new Date();
      const start = flags.start ?? now;
      const until = flags.until ?? { kind: 'in', ms: DEFAULT_FOR_MS };
      const end = until.kind === 'in' ? new Date(start.getTime() + until.ms) : until.time;
      const id = `s-${randomBytes(3).toString('hex')}`;
      const { result, notes } = await editAlertState(
        store,
        (state) => {
          const { state: next, silence: added } = addSilence(state, {
            id,
            match: patterns,
            start,
            end,
            now,
            by: flags.by ?? who(io),
            ...(flags.comment ? { comment: flags.comment } : {}),
          });
          return { state: next, result: { silence: added, known: Object.keys(state.keys) } };
        },
        { waitMs },
      );
      for (const line of notes) detail(io, line);
      const matches = result.known.filter((key) => matchesKey(result.silence.match, key));
      if (flags.json) {
        await write(io.stdout, jsonText({ silence: result.silence, matches }));
      } else {
        const lines = [
          `added silence ${result.silence.id}: ${result.silence.match.join(', ')} from ${result.silence.start} until ${result.silence.end}`,
          matches.length > 0
            ? `it matches ${matches.length} key${matches.length === 1 ? '' : 's'} seen so far, e.g. ${matches.slice(0, 3).join(', ')}`
            : 'it matches no key seen so far: check the pattern (keys look like cn-hangzhou/100.100.27.5:8848, targets/host:443, nacos/<server>/<step>)',
          `remove it with: mse-watch silence remove ${result.silence.id}`,
        ];
        await write(io.stdout, `${lines.join('\n')}\n`);
      }
      setExit(EXIT.ok);
    });

  const list = silence
    .command('list')
    .description("the config's silences and the stored ones: active, pending, and (with --all) ended")
    .option('--all', 'also silences that ended in the last 7 days')
    .addOption(configOption('config file (its silences, and its state.dir)'))
    .option('--json', 'print one JSON document')
    .action(async (flags: ListFlags) => {
      // loaded when the command runs: every other command starts without it
      const { silenceList } = await import('../../shared/alerting/index.ts');
      const { store, alerting } = await context(flags.config, io);
      const { state, note } = await store.load({ readOnly: true });
      if (note) detail(io, note);
      const all = silenceList(alerting, state, new Date());
      const shown = flags.all ? all : all.filter((entry) => entry.status !== 'ended');
      if (flags.json) {
        await write(io.stdout, jsonText({ state: store.location, silences: shown }));
      } else if (shown.length === 0) {
        await write(io.stdout, `no ${flags.all ? '' : 'active or pending '}silences\n`);
      } else {
        const rows = shown.map((entry) => [
          entry.id ?? '(config)',
          entry.status,
          entry.start,
          entry.end,
          entry.match.join(', '),
          String(entry.matches.length),
          [entry.comment, entry.createdBy ? `by ${entry.createdBy}` : undefined].filter(Boolean).join(' '),
        ]);
        const width = widthFor(io);
        await write(
          io.stdout,
          `${textTable(['id', 'status', 'start', 'end', 'match', 'keys', 'comment'], rows, {
            ...(width ? { width } : {}),
            align: ['left', 'left', 'left', 'left', 'left', 'right', 'left'],
          })}\n`,
        );
      }
      setExit(EXIT.ok);
    });

  const remove = silence
    .command('remove')
    .description('remove stored silences by id (the config’s are removed by editing the file)')
    .argument('<id...>', 'ids as silence add printed them, e.g. s-1a2b3c')
    .addOption(configOption('config file (its state.dir says where alert-state.json is)'))
    .option('--json', 'print one JSON document')
    .action(async (ids: string[], flags: RemoveFlags) => {
      // loaded when the command runs: every other command starts without it
      const { editAlertState, removeSilences } = await import('../../shared/alerting/index.ts');
      const { store, waitMs } = await context(flags.config, io);
      const { result, notes } = await editAlertState(
        store,
        (state) => {
          const { state: next, removed } = removeSilences(state, ids);
          return { state: next, result: removed };
        },
        { waitMs },
      );
      for (const line of notes) detail(io, line);
      await write(
        io.stdout,
        flags.json
          ? jsonText({ removed: result })
          : `${result.map((entry) => `removed silence ${entry.id} (${entry.match.join(', ')})`).join('\n')}\n`,
      );
      setExit(EXIT.ok);
    });

  teach(
    add,
    [
      [
        'mse-watch silence add "cn-hangzhou/*" --until 2h --comment "planned network change"',
        'hold every announcement of the region for two hours',
      ],
      [
        'mse-watch silence add "*:9848" --start 2026-11-21T02:00:00+08:00 --until 2026-11-21T04:00:00+08:00',
        'every gRPC port, in a window that starts later',
      ],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.system],
  );
  teach(
    list,
    [
      ['mse-watch silence list', 'active and pending silences, with the keys each matches'],
      ['mse-watch silence list --all --json', 'also those ended in the last 7 days, as JSON'],
    ],
    [EXIT.ok, EXIT.usage, EXIT.system],
  );
  teach(
    remove,
    [['mse-watch silence remove s-1a2b3c', 'announcements of those keys resume with the next run']],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.system],
  );
};
