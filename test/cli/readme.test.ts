import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../cli/exit.ts';
import { runCliCapture } from '../support/cli.ts';

// The README's CLI reference is the CLI's own help: each command's block is compared with `--help` (80
// columns, as off a terminal). After changing a command, refresh the blocks with
//   UPDATE_README_HELP=1 npx vitest run test/cli/readme.test.ts

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const BLOCK = /<!-- help: ([a-z ]*) -->\n```text\n([\s\S]*?)```\n<!-- \/help -->/g;

const helpOf = async (command: string): Promise<string> => {
  const run = await runCliCapture([...command.split(' ').filter(Boolean), '--help']);
  expect(run.code).toBe(0);
  return run.stdout;
};

describe('README.md CLI reference', () => {
  const readme = readFileSync(readmePath, 'utf8');
  const blocks = [...readme.matchAll(BLOCK)].map((match) => ({
    command: match[1] ?? '',
    text: match[2] ?? '',
  }));

  it('has a help block for the program and for every command and subcommand', async () => {
    const root = await helpOf('');
    const commands = [...root.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
    const expected = [''];
    for (const command of commands) {
      const help = await helpOf(command ?? '');
      const subcommands = help.includes('\nCommands:\n')
        ? [...(help.split('\nCommands:\n')[1] ?? '').matchAll(/^ {2}([a-z]+) /gm)]
            .map((m) => m[1])
            .filter((c) => c !== 'help')
        : [];
      if (subcommands.length === 0) expected.push(command ?? '');
      else for (const sub of subcommands) expected.push(`${command} ${sub}`);
    }
    expect(blocks.map((block) => block.command).sort()).toStrictEqual(expected.sort());
  });

  it('each block is exactly what --help prints', async () => {
    let updated = readme;
    for (const block of blocks) {
      const help = await helpOf(block.command);
      if (process.env.UPDATE_README_HELP)
        updated = updated.replace(
          `<!-- help: ${block.command} -->\n\`\`\`text\n${block.text}\`\`\``,
          `<!-- help: ${block.command} -->\n\`\`\`text\n${help}\`\`\``,
        );
      else expect(block.text, `mse-watch ${block.command} --help`).toBe(help);
    }
    if (process.env.UPDATE_README_HELP && updated !== readme) writeFileSync(readmePath, updated);
  });

  it('documents every exit code', () => {
    for (const [code, meaning] of EXIT_CODES) expect(readme).toContain(`| ${code} | ${meaning} |`);
  });
});
