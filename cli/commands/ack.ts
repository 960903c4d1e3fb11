import { hostname } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { StateConfig } from '../../shared/state/config.ts';
import { formatDuration, parseDuration } from '../../shared/util/duration.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { loadDiscovered } from '../config.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { type CliIo, detail, write } from '../io.ts';
import { configOption } from '../options.ts';
import { jsonText } from '../render.ts';

type AckFlags = {
  config?: string;
  until?: 'resolved' | number;
  comment?: string;
  by?: string;
  remove?: boolean;
  json?: boolean;
};

/** `resolved`, or a duration (a bare number is seconds) of at least a minute. */
const untilFlag = (value: string): 'resolved' | number => {
  if (value.trim().toLowerCase() === 'resolved') return 'resolved';
  const ms = parseDuration(value, 's');
  if (ms === undefined)
    throw new InvalidArgumentError(
      `--until "${value}" is neither "resolved" nor a duration: write e.g. --until resolved or --until 4h`,
    );
  if (ms < 60_000) throw new InvalidArgumentError(`--until must be at least 1m, got ${formatDuration(ms)}`);
  return ms;
};

/** Who acknowledged: the login and the host, unless --by says otherwise. */
export const whoAmI = (io: CliIo): string => `${io.env.USER ?? io.env.LOGNAME ?? 'someone'}@${hostname()}`;

export const registerAck: Registrar = (program, io, setExit) => {
  const command = program
    .command('ack')
    .description(
      'acknowledge a firing alert key: its reminders stop until it resolves; without a key, list what fires',
    )
    .argument(
      '[key]',
      'an alert key, e.g. cn-hangzhou/100.100.27.5:8848, or a pattern such as "cn-hangzhou/*"',
    )
    .option(
      '--until <resolved|duration>',
      'until the key resolves (default), or for this long at most, e.g. 4h; a bare number is seconds',
      untilFlag,
    )
    .option('--comment <text>', 'what is being done, shown with every later notice of the key')
    .option('--by <name>', 'who acknowledges (default: $USER@host)')
    .option('--remove', 'withdraw the acknowledgement: reminders resume')
    .addOption(configOption('config file (its state.dir says where alert-state.json is)'))
    .option('--json', 'print one JSON document')
    .action(async (key: string | undefined, flags: AckFlags) => {
      // loaded when the command runs: every other command starts without it
      const { acknowledge, alertStore, editAlertState, troubleList, unacknowledge } = await import(
        '../../shared/alerting/index.ts'
      );
      const found = await loadDiscovered(flags.config, io);
      const stateConfig = found?.config.state;
      const store = alertStore(stateConfig ? { state: stateConfig } : {});
      const now = new Date();
      if (key === undefined) {
        if (flags.remove || flags.until !== undefined || flags.comment !== undefined)
          throw new MseWatchError(
            'usage',
            '--until, --comment and --remove need a key: mse-watch ack KEY ...',
          );
        const { state, note } = await store.load({ readOnly: true });
        if (note) detail(io, note);
        const firing = troubleList(state, now);
        if (flags.json) await write(io.stdout, jsonText({ state: store.location, firing }));
        else if (firing.length === 0) await write(io.stdout, `nothing is firing (${store.location})\n`);
        else
          await write(
            io.stdout,
            `${firing
              .map(
                (entry) =>
                  `${entry.status.toUpperCase().padEnd(8)} ${entry.key} since ${entry.since}${entry.ack ? ` · acknowledged by ${entry.ack.by} at ${entry.ack.at} (${entry.ack.until === 'resolved' ? 'until it resolves' : `until ${entry.ack.until}`})${entry.ack.comment ? `: ${entry.ack.comment}` : ''}` : ''}`,
              )
              .join('\n')}\n`,
          );
        setExit(EXIT.ok);
        return;
      }
      const waitMs = (stateConfig ?? StateConfig.parse({})).lockWait;
      if (flags.remove) {
        const { result, notes } = await editAlertState(
          store,
          (state) => {
            const { state: next, removed } = unacknowledge(state, key);
            return { state: next, result: removed };
          },
          { waitMs },
        );
        for (const line of notes) detail(io, line);
        await write(
          io.stdout,
          flags.json
            ? jsonText({ removed: result })
            : `acknowledgement withdrawn for ${result.join(', ')}: reminders resume\n`,
        );
        setExit(EXIT.ok);
        return;
      }
      const until = flags.until ?? 'resolved';
      const by = flags.by ?? whoAmI(io);
      const { result, notes } = await editAlertState(
        store,
        (state) => {
          const { state: next, acked } = acknowledge(state, {
            pattern: key,
            by,
            now,
            until: until === 'resolved' ? 'resolved' : new Date(now.getTime() + until),
            ...(flags.comment ? { comment: flags.comment } : {}),
          });
          return { state: next, result: acked };
        },
        { waitMs },
      );
      for (const line of notes) detail(io, line);
      const when =
        until === 'resolved'
          ? 'until it resolves'
          : `for ${formatDuration(until)} (until ${new Date(now.getTime() + until).toISOString()}) or until it resolves`;
      await write(
        io.stdout,
        flags.json
          ? jsonText({
              acknowledged: result,
              by,
              until: until === 'resolved' ? 'resolved' : new Date(now.getTime() + until).toISOString(),
            })
          : `acknowledged ${result.join(', ')} as ${by}: no reminders ${when}; changes are still announced\n`,
      );
      setExit(EXIT.ok);
    });
  teach(
    command,
    [
      ['mse-watch ack', 'what fires now, and who acknowledged what'],
      [
        'mse-watch ack cn-hangzhou/100.100.27.5:8848 --comment "SG change rolled back"',
        'no reminders for this key until it resolves; the comment is shown with its next notice',
      ],
      ['mse-watch ack "cn-hangzhou/*" --until 2h', 'every firing key of the region, for two hours at most'],
      ['mse-watch ack cn-hangzhou/100.100.27.5:8848 --remove', 'reminders resume'],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.system],
  );
};
