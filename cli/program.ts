import { Command, CommanderError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { loadCatalog } from '../shared/catalog/index.ts';
import type { Registrar } from './command.ts';
import { registerAck } from './commands/ack.ts';
import { registerAllowlist } from './commands/allowlist.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCatalog } from './commands/catalog.ts';
import { registerCheck } from './commands/check.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerConfig } from './commands/config.ts';
import { registerDemo } from './commands/demo.ts';
import { registerHistory } from './commands/history.ts';
import { registerInvoke } from './commands/invoke.ts';
import { registerNacos } from './commands/nacos.ts';
import { registerNotify } from './commands/notify.ts';
import { registerServe } from './commands/serve.ts';
import { registerSilence } from './commands/silence.ts';
import { registerSimulate } from './commands/simulate.ts';
import { describeCommanderError, describeError } from './errors.ts';
import { EXIT, exitForSignal } from './exit.ts';
import { programHelp } from './help.ts';
import { type CliIo, PREFIX, widthFor, write } from './io.ts';

/** Registration order is the order of `--help`. */
const registrars: Registrar[] = [
  registerCheck,
  registerNacos,
  registerConfig,
  registerServe,
  registerHistory,
  registerNotify,
  registerAck,
  registerSilence,
  registerCatalog,
  registerAllowlist,
  registerAudit,
  registerInvoke,
  registerSimulate,
  registerDemo,
  registerCompletion,
];

/** "mse-watch 0.1.0 (catalog 2026-11-21+dfc2f766, source dated 2026-11-21)" */
export const versionText = (): string => {
  const catalog = loadCatalog();
  return `mse-watch ${pkg.version} (catalog ${catalog.version}, source dated ${catalog.sourceDate})`;
};

/** The command path the user typed ("notify test"), for "see mse-watch notify test --help". */
const commandPath = (program: Command, argv: readonly string[]): string => {
  const path: string[] = [];
  let current = program;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const next = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) break;
    path.push(next.name());
    current = next;
  }
  return ['mse-watch', ...path, '--help'].join(' ');
};

/**
 * Where commander writes: our streams; its error lines are replaced by ours (one prefix, the user's terms:
 * see runCli); help wraps at the terminal's width, or 80 columns off a terminal (the README shows that).
 */
const output = (io: CliIo) => ({
  writeOut: (text: string) => void io.stdout.write(text),
  writeErr: (text: string) => void io.stderr.write(text),
  outputError: () => {},
  getOutHelpWidth: () => widthFor(io) ?? 80,
  getErrHelpWidth: () => widthFor(io) ?? 80,
});

/** The CLI as a commander program; exported so completion and the README check can walk it. */
export const buildProgram = (io: CliIo, setExit: (code: number) => void): Command => {
  const program = new Command('mse-watch')
    .description('Check that this network reaches every Alibaba Cloud MSE endpoint of a region, and why not')
    .version(versionText(), '-V, --version', 'print the version and the catalog version and date')
    .addOption(new Option('-q, --quiet', 'print only the verdict and the findings; no notes on stderr'))
    .addOption(
      new Option('-v, --verbose', 'say more on stderr: the config used, each probe as it ends, SDK details'),
    )
    .helpOption('-h, --help', 'show help for a command')
    // --quiet and --verbose work after any command too: its help lists them
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', programHelp())
    // commander's own error lines are replaced by ours (one prefix, the user's terms): see runCli
    .configureOutput(output(io))
    .exitOverride()
    .hook('preAction', (_, action) => {
      const options = action.optsWithGlobals() as { quiet?: boolean; verbose?: boolean };
      io.verbosity = options.verbose ? 'verbose' : options.quiet ? 'quiet' : 'normal';
    });
  program.addHelpCommand('help [command]', 'show help for a command');
  for (const register of registrars) register(program, io, setExit);
  const inherit = (command: Command) => {
    command.exitOverride();
    command.configureOutput(output(io));
    command.helpOption('-h, --help', 'show help for the command');
    command.configureHelp({ showGlobalOptions: true });
    for (const sub of command.commands) inherit(sub);
  };
  for (const command of program.commands) inherit(command);
  return program;
};

/** Runs the CLI with the given argv (without node and script) and returns the exit code. */
export const runCli = async (argv: string[], io: CliIo): Promise<number> => {
  let exitCode: number = EXIT.ok;
  io.verbosity ??= 'normal';
  let program: Command;
  try {
    program = buildProgram(io, (code) => {
      exitCode = code;
    });
  } catch (error) {
    const { code, message } = describeError(error);
    await write(io.stderr, `${PREFIX} ${message}\n`);
    return code;
  }
  try {
    // a command that does not stop on a signal by itself (stopOn) is ended by the first one
    const run = program.parseAsync(argv, { from: 'user' }).then(() => exitCode);
    // a command ended by a signal may still fail afterwards (its socket torn down): nobody waits for that
    run.catch(() => {});
    const stopped = io.interrupted.then((signal) => {
      if (io.stopsOnSignal) return run;
      const code = exitForSignal(signal);
      io.exitNow?.(code);
      return code;
    });
    return await Promise.race([run, stopped]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version end with exit code 0; every other commander error is a usage error
      if (error.exitCode === 0) return EXIT.ok;
      // `mse-watch` alone: commander shows the help on stderr and exits 1; that is a usage error too
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync')
        return EXIT.usage;
      await write(io.stderr, `${PREFIX} ${describeCommanderError(error, commandPath(program, argv))}\n`);
      return EXIT.usage;
    }
    const { code, message } = describeError(error);
    await write(io.stderr, `${PREFIX} ${message}\n`);
    return code;
  }
};
