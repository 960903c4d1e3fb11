import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCapture } from '../support/cli.ts';

// Each script is loaded by the real shell and asked for completions the way the shell's own machinery asks
// (bash: the completion function with COMP_WORDS; fish: complete -C; zsh: a pseudo-terminal, compsys, Tab).

const run = promisify(execFile);
let dir: string;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-completion-'));
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = await runCliCapture(['completion', shell]);
    expect(result.code).toBe(0);
    scripts[shell] = join(dir, `mse-watch.${shell}`);
    await writeFile(scripts[shell] ?? '', result.stdout);
  }
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const env = () => ({
  PATH: process.env.PATH ?? '',
  HOME: dir,
  TMPDIR: dir,
  XDG_CONFIG_HOME: dir,
  XDG_DATA_HOME: dir,
});

/** What each shell offers for a command line (the word being completed is the last one). */
const CASES: Array<[line: string, expected: string[]]> = [
  ['mse-watch ch', ['check']],
  ['mse-watch notify ', ['outbox', 'test']],
  ['mse-watch check --re', ['--region']],
  [
    'mse-watch check --region cn-sh',
    ['cn-shanghai', 'cn-shanghai-finance-1', 'cn-shenzhen', 'cn-shenzhen-finance-1'],
  ],
  ['mse-watch allowlist --format ', ['aliyun-sg', 'csv', 'iptables', 'json', 'nftables', 'terraform']],
  ['mse-watch invoke ', ['probe-endpoints', 'probe-nacos']],
];

const offers = {
  bash: async (line: string): Promise<string[]> => {
    const words = line.split(' ');
    const script = `source ${scripts.bash}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mse_watch
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', script], { env: env() });
    return stdout.split('\n').filter(Boolean);
  },
  fish: async (line: string): Promise<string[]> => {
    const { stdout } = await run(
      'fish',
      ['--no-config', '-c', `source ${scripts.fish}; complete -C '${line}'`],
      {
        env: env(),
      },
    );
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((entry) => entry.split('\t')[0] ?? '');
  },
  zsh: async (line: string): Promise<string[]> => {
    const out = join(dir, `zsh-${Math.random().toString(36).slice(2)}.txt`);
    const driver = join(dir, 'capture.zsh');
    // compadd is wrapped to log what the completion system is given, then Tab is typed in a real zsh
    await writeFile(
      driver,
      `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1= ; autoload -U compinit; compinit -u -D'
zpty -w z "source ${scripts.zsh}"
zpty -w z 'compadd() { builtin compadd -O __hits "$@"; print -l -- \${__hits} >> ${out}; builtin compadd "$@" }'
zpty -w z "$1"$'\\t'
sleep 1
zpty -d z
`,
    );
    await run('zsh', ['-f', driver, line], { env: env() });
    const text = existsSync(out) ? await readFile(out, 'utf8') : '';
    return text.split('\n').filter(Boolean);
  },
};

const has = (shell: string) =>
  (process.env.PATH ?? '').split(':').some((path) => existsSync(join(path, shell)));

describe.each(['bash', 'zsh', 'fish'] as const)('mse-watch completion %s, loaded in %s', (shell) => {
  it.skipIf(!has(shell)).each(CASES)('%j offers %j', async (line, expected) => {
    const offered = [...new Set(await offers[shell](line))].sort();
    expect(offered).toStrictEqual(expected);
  });
});

it('an unknown shell is a usage error naming the ones there are', async () => {
  const result = await runCliCapture(['completion', 'tcsh']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(
    'mse-watch: shell must be one of bash, zsh, fish; got "tcsh" (see mse-watch completion --help)\n',
  );
});
