import type { Config } from '../../shared/config/schema.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { describeSource, requireConfig } from '../config.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { type CliIo, write } from '../io.ts';
import { configOption } from '../options.ts';

type NotifyFlags = { config?: string; channel?: string[]; json?: boolean };

const loadAlerting = async (
  file: string | undefined,
  io: CliIo,
): Promise<Config & { alerting: NonNullable<Config['alerting']> }> => {
  const { config, source } = await requireConfig(file, io, 'notify');
  if (!config.alerting || config.alerting.channels.length === 0) {
    throw new MseWatchError(
      'no-channels',
      `${describeSource(source)} has no alerting.channels: add one, e.g. a "kind: dingtalk" channel with its webhook (docs/alerting.md)`,
    );
  }
  return config as Config & { alerting: NonNullable<Config['alerting']> };
};

export const registerNotify: Registrar = (program, io, setExit) => {
  const notify = program.command('notify').description('alert channels: send a test notice, show the outbox');

  const test = notify
    .command('test')
    .description("send a test notice to every channel of the config and print each channel's answer")
    .addOption(configOption())
    .option('--channel <name...>', 'only these channels (by name, e.g. dingtalk-1)')
    .option('--json', 'print one JSON document')
    .action(async (flags: NotifyFlags) => {
      // loaded when the command runs: every other command starts without it
      const { channelLabel, sendTestNotices } = await import('../../shared/alerting/index.ts');
      const config = await loadAlerting(flags.config, io);
      const names = config.alerting.channels.map((channel, index) => channelLabel(channel, index));
      const unknown = (flags.channel ?? []).filter(
        (name) => !names.some((label) => label.startsWith(`${name} (`)),
      );
      if (unknown.length > 0) {
        throw new MseWatchError(
          'unknown-channel',
          `no channel named ${unknown.join(', ')}; the config has: ${names.join(', ')}`,
        );
      }
      const results = await sendTestNotices(config.alerting, {}, flags.channel);
      if (flags.json) {
        await write(io.stdout, `${JSON.stringify({ results }, null, 2)}\n`);
      } else {
        const lines = results.map(
          (r) => `${r.accepted ? 'ok    ' : 'FAILED'} ${r.channel} (${r.kind}, ${r.target}): ${r.answer}`,
        );
        await write(io.stdout, `${lines.join('\n')}\n`);
      }
      setExit(results.every((r) => r.accepted) ? EXIT.ok : EXIT.problem);
    });

  const outbox = notify
    .command('outbox')
    .description('show notices waiting for delivery and each channel’s retry state (reads the state file)')
    .addOption(configOption())
    .option('--json', 'print one JSON document')
    .action(async (flags: NotifyFlags) => {
      // loaded when the command runs: every other command starts without it
      const { alertStore, compose } = await import('../../shared/alerting/index.ts');
      const { config } = await requireConfig(flags.config, io, 'notify outbox');
      const store = alertStore(config);
      const { state, note } = await store.load({ readOnly: true });
      const pending = state.outbox.map((entry) => ({
        channel: entry.channel,
        id: entry.notice.id,
        title: compose(entry.notice).title,
        queuedAt: entry.queuedAt,
        attempts: entry.attempts,
        ...(entry.lastError ? { lastError: entry.lastError } : {}),
      }));
      if (flags.json) {
        await write(
          io.stdout,
          `${JSON.stringify({ state: store.location, pending, channels: state.channels }, null, 2)}\n`,
        );
        return;
      }
      const lines = [`state: ${store.location}${note ? ` (${note})` : ''}`];
      if (pending.length === 0) lines.push('outbox is empty');
      for (const p of pending) {
        lines.push(
          `${p.channel}: ${p.title} (queued ${p.queuedAt}, ${p.attempts} attempts${p.lastError ? `, last error: ${p.lastError}` : ''})`,
        );
      }
      for (const [name, channel] of Object.entries(state.channels)) {
        if (channel.nextAttemptAt) lines.push(`${name}: next attempt not before ${channel.nextAttemptAt}`);
      }
      await write(io.stdout, `${lines.join('\n')}\n`);
    });
  teach(
    test,
    [
      ['mse-watch notify test', "a test notice to every channel of ./mse-watch.yaml; each channel's answer"],
      ['mse-watch notify test --config prod.yaml --channel dingtalk-1', 'one channel only, by its name'],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.SIGINT, EXIT.SIGTERM],
  );
  teach(
    outbox,
    [
      ['mse-watch notify outbox', 'what waits for delivery, and when each channel is tried next'],
      ['mse-watch notify outbox --json', 'the same as one JSON document'],
    ],
    [EXIT.ok, EXIT.usage],
  );
};
