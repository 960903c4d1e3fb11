import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Signal } from '../../cli/io.ts';
import { loadCatalog } from '../../shared/catalog/index.ts';
import { runCliCapture } from '../support/cli.ts';
import { stubEmptyCredentialsChain } from '../support/credentials-env.ts';
import { closedPort, type Listening, tcpListener } from '../support/listeners.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let open: Listening;
let refused: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-usability-'));
  open = await tcpListener();
  refused = await closedPort();
});
afterAll(async () => {
  await open.close();
  await rm(dir, { recursive: true, force: true });
});

const file = async (name: string, content: unknown): Promise<string> => {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, typeof content === 'string' ? content : stringify(content));
  return path;
};

const targets = () => ({
  targets: [{ host: '127.0.0.1', port: open.port, name: 'open' }],
  probe: { timeout: '1s', attempts: 1 },
});

describe('config discovery: --config, else $MSE_WATCH_CONFIG, else ./mse-watch.yaml', () => {
  it('finds ./mse-watch.yaml and says so on stderr', async () => {
    const cwd = join(dir, 'project');
    const local = await file('project/mse-watch.yaml', targets());
    const run = await runCliCapture(['check', '--json'], {}, { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`mse-watch: using config ${local} (found in the working directory)\n`);
    expect(JSON.parse(run.stdout).probes[0].name).toBe('open');
  });

  it('$MSE_WATCH_CONFIG wins over ./mse-watch.yaml; a path is relative to the working directory', async () => {
    const cwd = join(dir, 'project');
    await file('project/mse-watch.yaml', { targets: [{ host: '127.0.0.1', port: refused, name: 'local' }] });
    await file('project/other.yaml', targets());
    const run = await runCliCapture(['check', '--json'], { MSE_WATCH_CONFIG: 'other.yaml' }, { cwd });
    expect(run.stderr).toBe(`mse-watch: using config ${join(cwd, 'other.yaml')} (from $MSE_WATCH_CONFIG)\n`);
    expect(JSON.parse(run.stdout).probes[0].name).toBe('open');
  });

  it('$MSE_WATCH_CONFIG may hold the config itself, as the functions read it', async () => {
    const run = await runCliCapture(
      ['check', '--json'],
      { MSE_WATCH_CONFIG: JSON.stringify(targets()) },
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('mse-watch: using config the config in $MSE_WATCH_CONFIG\n');
  });

  it('--config wins over both and needs no note; --quiet silences the note', async () => {
    const cwd = join(dir, 'project');
    const other = join(cwd, 'other.yaml');
    const explicit = await runCliCapture(
      ['check', '--config', other, '--json'],
      { MSE_WATCH_CONFIG: '/nope.yaml' },
      { cwd },
    );
    expect(explicit.stderr).toBe('');
    expect(explicit.code).toBe(0);
    const quiet = await runCliCapture(['--quiet', 'check', '--json'], {}, { cwd });
    expect(quiet.stderr).toBe('');
  });

  it('without any config a check needs a region, and says how to give one', async () => {
    const run = await runCliCapture(['check'], {}, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mse-watch: nothing to check: give --region/);
  });

  it('notify finds the config the same way', async () => {
    const cwd = join(dir, 'no-alerting');
    await file('no-alerting/mse-watch.yaml', targets());
    const run = await runCliCapture(['notify', 'test'], {}, { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('has no alerting.channels');
    const none = await runCliCapture(['notify', 'outbox'], {}, { cwd: dir });
    expect(none.stderr).toBe(
      'mse-watch: notify outbox needs a config: give --config FILE, set $MSE_WATCH_CONFIG, or put mse-watch.yaml in this directory\n',
    );
  });
});

describe('mse-watch config check', () => {
  const TOKEN = 'a1b2c3d4e5f6-dingtalk-token';
  const SIGN = 'SECdingtalk-signing-secret-0001';
  const PASSWORD = 'nacos-pass-Z9!';

  it('prints the effective config with defaults and every secret masked, exit 0', async () => {
    const config = await file('secrets.yaml', {
      region: 'hangzhou',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${env:NAME} syntax
      nacos: { server: '127.0.0.1:8848', username: 'nacos', password: '${env:NACOS_PASSWORD}' },
      alerting: {
        channels: [
          {
            kind: 'dingtalk',
            webhook: `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`,
            secret: SIGN,
          },
        ],
      },
    });
    for (const format of ['yaml', 'json'] as const) {
      const run = await runCliCapture(
        ['config', 'check', '--config', config, ...(format === 'json' ? ['--json'] : [])],
        { NACOS_PASSWORD: PASSWORD },
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      for (const secret of [TOKEN, SIGN, PASSWORD]) expect(run.stdout).not.toContain(secret);
      const shown =
        format === 'json'
          ? (JSON.parse(run.stdout) as { ok: boolean; config: Record<string, never> }).config
          : parse(run.stdout.split('\n').slice(1).join('\n'));
      expect(shown).toMatchObject({
        region: 'hangzhou',
        probe: { timeout: 3000, attempts: 2, concurrency: 256 },
        nacos: { username: 'nacos', password: '***' },
        alerting: {
          channels: [
            {
              kind: 'dingtalk',
              secret: '***',
              webhook: 'https://oapi.dingtalk.com/robot/send?access_token=***',
            },
          ],
        },
      });
    }
  });

  it('names every problem by its field, in the user terms, exit 2', async () => {
    const config = await file('bad.yaml', {
      probe: { timeout: 0, attempts: 0 },
      alerting: { channels: [{ kind: 'slack', url: 'x' }] },
      targets: [{ host: '', port: 70000 }],
    });
    const run = await runCliCapture(['config', 'check', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      [
        `mse-watch: invalid config ${config}:`,
        '  - targets[0].host: must not be empty',
        '  - targets[0].port: must be at most 65535',
        '  - probe.timeout: must be between 50ms and 2m, got 0ms',
        '  - probe.attempts: must be at least 1',
        '  - alerting.channels[0].kind: must be one of dingtalk, webhook, feishu, wecom (it decides which other keys apply)',
        '',
      ].join('\n'),
    );
    expect(run.stderr).not.toMatch(/Invalid discriminator|Too small|Too big|expected number to be/);
    const json = await runCliCapture(['config', 'check', '--config', config, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, source: config });
    expect(JSON.parse(json.stdout).problems).toHaveLength(5);
  });

  it('an unknown region is a problem too; no config at all is exit 2', async () => {
    const config = await file('mars.yaml', { region: 'mars-1' });
    const run = await runCliCapture(['config', 'check', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mse-watch: unknown region "mars-1"/);
    const none = await runCliCapture(['config', 'check'], {}, { cwd: dir });
    expect(none.code).toBe(2);
  });
});

describe('one style for every duration flag, one wording for every error', () => {
  it.each([
    [
      ['check', '--region', 'cn-hangzhou', '--timeout', '0'],
      '--timeout must be between 50ms and 2m, got 0ms',
    ],
    [['check', '--region', 'cn-hangzhou', '--timeout', '-5'], '--timeout "-5" is not a duration'],
    [
      ['check', '--region', 'cn-hangzhou', '--timeout', '3m'],
      '--timeout must be between 50ms and 2m, got 3m',
    ],
    [['check', '--region', 'cn-hangzhou', '--attempts', '0'], '--attempts must be at least 1'],
    [
      ['check', '--region', 'cn-hangzhou', '--attempts', 'two'],
      '--attempts must be a whole number, got "two"',
    ],
    [
      ['nacos', '--server', '127.0.0.1', '--timeout', '10'],
      '--timeout must be between 50ms and 2m, got 10ms',
    ],
    [
      ['invoke', 'probe-endpoints', '--local', '--timeout', '0'],
      '--timeout must be between 1s and 1d, got 0ms',
    ],
    [['check', '--regoin', 'x'], 'unknown option --regoin (did you mean --region?)'],
    [['check', '--timeout'], '--timeout needs a value (duration)'],
  ])('%j', async (argv, message) => {
    const run = await runCliCapture(argv);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toHaveLength(2); // one line
    expect(run.stderr.startsWith(`mse-watch: ${message}`)).toBe(true);
    expect(run.stderr).toMatch(/ \(see mse-watch [a-z ]*--help\)\n$/);
  });

  it('a duration flag takes units; a bare number keeps its documented unit', async () => {
    const config = await file('durations.yaml', { targets: [{ host: '127.0.0.1', port: open.port }] });
    const ms = await runCliCapture(['check', '--config', config, '--timeout', '750', '--json']);
    const units = await runCliCapture(['check', '--config', config, '--timeout', '0.75s', '--json']);
    expect(ms.code).toBe(0);
    expect(units.code).toBe(0);
    // invoke --timeout: a bare number is seconds, as it always was (the function's budget)
    const local = await runCliCapture([
      'invoke',
      'probe-endpoints',
      '--local',
      '--config',
      config,
      '--timeout',
      '90',
      '--json',
    ]);
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout).summary.budgetMs).toBeGreaterThan(60_000);
    expect(JSON.parse(local.stdout).summary.budgetMs).toBeLessThanOrEqual(90_000);
  });
});

describe('--version, --help', () => {
  it('--version names the catalog version and date', async () => {
    const run = await runCliCapture(['--version']);
    const catalog = loadCatalog();
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `mse-watch 0.1.0 (catalog ${catalog.version}, source dated ${catalog.sourceDate})\n`,
    );
  });

  it.each([
    'check',
    'nacos',
    'config check',
    'notify test',
    'notify outbox',
    'catalog',
    'allowlist',
    'invoke',
    'simulate',
    'demo',
    'completion',
  ])('%s --help shows defaults, examples that run this command, and its exit codes', async (command) => {
    const run = await runCliCapture([...command.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\nExamples:\n {2}\$ /);
    const examples = run.stdout.split('\nExamples:\n')[1]?.split('\n\nExit codes:')[0] ?? '';
    const commands = examples.split('\n').filter((line) => line.startsWith('  $ '));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const line of commands) expect(line).toContain(`mse-watch ${command}`);
    expect(run.stdout).toMatch(/\nExit codes: 0(, \d+)+ \(see mse-watch --help/);
  });

  it('the program help lists every exit code with its meaning', async () => {
    const run = await runCliCapture(['--help']);
    for (const code of [0, 1, 2, 70, 73, 74, 130, 143])
      expect(run.stdout).toMatch(new RegExp(`\\n {2}${code} +\\S`));
  });
});

describe('outputs that cannot be written', () => {
  it('check --html to an unwritable path: one line, the report still printed, exit 73', async () => {
    const config = await file('html.yaml', targets());
    const notADir = await file('plain-file', 'x');
    const html = join(notADir, 'report.html');
    const run = await runCliCapture(['check', '--config', config, '--html', html, '--json']);
    expect(run.code).toBe(73);
    expect(run.stderr).toBe(
      `mse-watch: --html: cannot open ${html}: a part of the path is not a directory (ENOTDIR); the report is on stdout\n`,
    );
    expect(JSON.parse(run.stdout).probes).toHaveLength(1);
  });

  it('simulate --write-config to an unwritable path: one line, the config printed instead, exit 73', async () => {
    let stop: (signal: Signal) => void = () => {};
    const interrupted = new Promise<Signal>((resolve) => {
      stop = resolve;
    });
    const target = join(dir, 'missing-dir', 'sim.yaml');
    const serving = runCliCapture(
      ['simulate', '--region', 'gov', '--write-config', target],
      {},
      { interrupted },
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    stop('SIGINT');
    const run = await serving;
    expect(run.code).toBe(73);
    expect(run.stderr).toBe(
      `mse-watch: --write-config: cannot open ${target}: no such file or directory (ENOENT); the config is printed below instead\n`,
    );
    expect(run.stdout).toMatch(
      /Save this as a file and run .* check --config <file>:\nregion: cn-north-2-gov-1\n/,
    );
  });
});

describe('hints name a command that works', () => {
  it('mse-watch when it is on PATH', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'mse-watch'), '#!/bin/sh\n');
    await chmod(join(bin, 'mse-watch'), 0o755);
    const run = await runCliCapture(['demo', '--region', 'cn-zhangjiakou'], { PATH: bin });
    expect(run.stdout).toContain('On your own network: mse-watch check --region cn-zhangjiakou');
  });

  it("the findings' own commands (mse-watch allowlist …) are rewritten the same way in text", async () => {
    const text = await runCliCapture(['demo'], { PATH: '/nonexistent' });
    expect(text.stdout).toContain('The rules: npx mse-watch allowlist --region cn-shanghai');
    expect(text.stdout).not.toMatch(/[^x] mse-watch allowlist/);
  });

  it('node <path>/bin/mse-watch.mjs outside the repository, where npx would fetch a stranger', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'mse-watch-outside-'));
    try {
      const run = await runCliCapture(
        ['demo', '--region', 'cn-zhangjiakou'],
        { PATH: '/nonexistent' },
        { cwd: outside },
      );
      expect(run.stdout).toContain(
        `On your own network: node ${resolve(root, 'bin/mse-watch.mjs')} check --region cn-zhangjiakou`,
      );
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('invoke errors a user can act on', () => {
  it('no credentials: one line that says what to set, exit 2; --verbose shows what the chain tried', async () => {
    // the chain reads the process environment and $HOME: emptied here, and the metadata service switched off
    stubEmptyCredentialsChain(dir, refused);
    try {
      const argv = [
        'invoke',
        'probe-endpoints',
        '--region',
        'cn-hangzhou',
        '--account-id',
        '1',
        '--endpoint',
        `http://127.0.0.1:${refused}`,
      ];
      const run = await runCliCapture(argv, { HOME: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'mse-watch: no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or configure a profile with `aliyun configure` (--verbose shows what was tried)\n',
      );
      expect(run.stderr).not.toMatch(/enviroment|undefined/);
      const verbose = await runCliCapture([...argv, '--verbose'], { HOME: dir });
      expect(verbose.code).toBe(2);
      // the chain's own account, on a line of its own; it never reached for the metadata address
      expect(verbose.stderr).toMatch(
        /^mse-watch: credentials chain: unable to get credentials from any of the providers in the chain: .*ECONNREFUSED 127\.0\.0\.1/m,
      );
      expect(verbose.stderr).not.toContain('100.100.100.200');
      expect(verbose.stderr).not.toContain('network rule');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a payload key that is not a config key, or a bad value, is exit 2 (not a run that could not finish)', async () => {
    const key = await runCliCapture([
      'invoke',
      'probe-endpoints',
      '--local',
      '--payload',
      '{"regoin":"cn-hangzhou"}',
    ]);
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(
      /^mse-watch: --payload has keys that are not config keys: regoin \(config keys: region, /,
    );
    const value = await runCliCapture(
      ['invoke', 'probe-endpoints', '--local', '--payload', '{"probe":{"attempts":0}}'],
      {},
      { cwd: dir },
    );
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('probe.attempts: must be at least 1');
  });
});

describe('a command that does not stop by itself ends at the first signal', () => {
  it('invoke waiting on a silent endpoint: exit 130 at once', async () => {
    const silent = await tcpListener(() => {});
    try {
      let stop: (signal: Signal) => void = () => {};
      const interrupted = new Promise<Signal>((resolve) => {
        stop = resolve;
      });
      const started = Date.now();
      setTimeout(() => stop('SIGINT'), 300);
      const run = await runCliCapture(
        [
          'invoke',
          'probe-endpoints',
          '--region',
          'cn-hangzhou',
          '--account-id',
          '1',
          '--endpoint',
          `http://127.0.0.1:${silent.port}`,
        ],
        {
          ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tTest0001',
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret-secret-secret',
        },
        { interrupted },
      );
      expect(run.code).toBe(130);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.close();
    }
  });
});

describe('simulation', () => {
  it('a fault for an address outside the region is rejected, naming it', async () => {
    const scenario = await file('outside.yaml', { faults: [{ endpoint: '100.100.27.5', fault: 'drop' }] });
    const run = await runCliCapture(['simulate', '--region', 'gov', '--scenario', scenario]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `mse-watch: invalid scenario ${scenario}:\n  - faults[0].endpoint: 100.100.27.5 is not an address of cn-north-2-gov-1 (see mse-watch catalog --region cn-north-2-gov-1)\n`,
    );
  });

  it('removes its temporary config when it stops', async () => {
    let stop: (signal: Signal) => void = () => {};
    const interrupted = new Promise<Signal>((resolve) => {
      stop = resolve;
    });
    const serving = runCliCapture(['simulate', '--region', 'gov'], {}, { interrupted });
    await new Promise((resolve) => setTimeout(resolve, 800));
    stop('SIGINT');
    const run = await serving;
    expect(run.code).toBe(0);
    const written = /check --config (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(written).toMatch(/mse-watch-sim-[^/]+\/check\.yaml$/);
    await expect(stat(written)).rejects.toThrow(/ENOENT/);
    await expect(stat(join(written, '..'))).rejects.toThrow(/ENOENT/);
    expect(run.leftCleanups).toBe(0);
  });
});

describe('--quiet and --verbose', () => {
  it('--quiet: no tables, the verdict per category and the findings; --verbose: each probe on stderr', async () => {
    const config = await file('modes.yaml', {
      targets: [
        { host: '127.0.0.1', port: open.port, name: 'open' },
        { host: '127.0.0.1', port: refused, name: 'closed' },
      ],
      probe: { timeout: '1s', attempts: 1 },
    });
    const quiet = await runCliCapture(['-q', 'check', '--config', config]);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).not.toContain('│');
    expect(quiet.stdout).toMatch(/targets {2}PARTIAL {2}1\/2 reachable/);
    expect(quiet.stdout).toContain('[critical]');
    const verbose = await runCliCapture(['check', '--config', config, '--verbose']);
    expect(verbose.stderr).toContain(`mse-watch: config: ${config}`);
    expect(verbose.stderr).toMatch(/mse-watch: \[\d\/2\] 127\.0\.0\.1:\d+ refused \d+\.\d ms/);
    expect(verbose.stdout).toContain('│');
  });
});

describe('tables fit the terminal', () => {
  it('every line of check fits 60 columns on a 60-column terminal', async () => {
    const config = await file('narrow.yaml', {
      targets: [
        { host: '127.0.0.1', port: refused, name: 'a closed port with a rather long name that must wrap' },
      ],
      probe: { timeout: '1s', attempts: 1 },
    });
    const run = await runCliCapture(['check', '--config', config], { NO_COLOR: '1' }, { columns: 60 });
    const tableLines = run.stdout.split('\n').filter((line) => /^[│┌├└]/.test(line));
    expect(tableLines.length).toBeGreaterThan(4);
    for (const line of tableLines) expect([...line].length).toBeLessThanOrEqual(60);
    const wide = await runCliCapture(['check', '--config', config], { NO_COLOR: '1' });
    expect(wide.stdout.split('\n').some((line) => [...line].length > 60)).toBe(true);
  });
});
