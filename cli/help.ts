import type { Command } from 'commander';
import { EXIT_CODES, exitCodesText } from './exit.ts';

// Help that teaches: every command ends with examples that work as written and the exit codes it can give.

export type Example = readonly [command: string, what: string];

const examplesText = (examples: readonly Example[]): string =>
  `Examples:\n${examples.map(([command, what]) => `  $ ${command}\n      ${what}`).join('\n')}`;

/** Adds examples and the exit codes (only those the command can give) after a command's help. */
export const teach = (command: Command, examples: readonly Example[], codes?: readonly number[]): Command => {
  const shown = EXIT_CODES.filter(([code]) => codes === undefined || codes.includes(code));
  return command.addHelpText(
    'after',
    `\n${examplesText(examples)}\n\nExit codes: ${shown.map(([code]) => code).join(', ')} (see mse-watch --help for what each means)`,
  );
};

/** The program's own help: a start, where the config comes from, and every exit code. */
export const programHelp = (): string => `
Getting started:
  $ mse-watch demo
      a check against a simulated region with a realistic fault, on loopback
  $ mse-watch check --region cn-hangzhou
      probe every MSE endpoint of a region from this network and explain what fails
  $ mse-watch config check
      validate the config (./mse-watch.yaml, $MSE_WATCH_CONFIG or --config) without running it

Config: --config FILE, else $MSE_WATCH_CONFIG, else ./mse-watch.yaml (stderr says which one was used).
Durations: 3s, 500ms, 2m; a bare number keeps the unit each flag names.
Not on PATH? After npm ci in the repository: npx mse-watch …

${exitCodesText()}
`;
