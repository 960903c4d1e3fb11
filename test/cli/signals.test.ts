import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { watchSignals } from '../../cli/signals.ts';
import { CheckReport } from '../../shared/report/schema.ts';
import { serveBlackhole } from '../../shared/simulate/index.ts';
import type { Serving } from '../../shared/simulate/servers.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';

// Ctrl-C and SIGTERM against the shipped entry point in a child process: a real signal, a real exit code.

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let open: Listening;
let hole: Serving;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-signals-'));
  open = await tcpListener();
  hole = await serveBlackhole('127.0.0.1');
  // the bundle the bin runs is built by the catalog test's beforeAll too; build it here as well
  const build = spawn(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: root, stdio: 'ignore' });
  await once(build, 'exit');
}, 120_000);
afterAll(async () => {
  await open.close();
  await hole.close();
  await rm(dir, { recursive: true, force: true });
});

type Exited = { code: number | null; stdout: string; stderr: string };

/** Starts the CLI, waits until `ready` shows on stderr (or stdout), sends the signals, and collects it all. */
const interruptAfter = async (argv: string[], ready: RegExp, signals: NodeJS.Signals[]): Promise<Exited> => {
  const child: ChildProcess = spawn(process.execPath, ['bin/mse-watch.mjs', ...argv], {
    cwd: root,
    env: { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR },
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  const onData = () => {
    if (!sent && ready.test(stderr + stdout)) {
      sent = true;
      for (const signal of signals) child.kill(signal);
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
    onData();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
    onData();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
};

const hangingConfig = async (name: string, extra: Record<string, unknown> = {}) => {
  const file = join(dir, `${name}.yaml`);
  await writeFile(
    file,
    stringify({
      targets: [
        { host: '127.0.0.1', port: open.port, name: 'open' },
        { host: '127.0.0.1', port: hole.port, name: 'dropped' },
      ],
      probe: { timeout: '60s', attempts: 1 },
      ...extra,
    }),
  );
  return file;
};

describe('check stops on a signal with the partial report', () => {
  it('Ctrl-C: exit 130, exactly one JSON document with complete: false, what was probed kept', async () => {
    const config = await hangingConfig('int');
    const run = await interruptAfter(
      ['--verbose', 'check', '--config', config, '--json'],
      /\[1\/2\] 127\.0\.0\.1:\d+ ok/,
      ['SIGINT'],
    );
    expect(run.code).toBe(130);
    const { interrupted, ...document } = JSON.parse(run.stdout) as Record<string, unknown>;
    const report = CheckReport.parse(document);
    expect(interrupted).toBe('SIGINT');
    expect(report.complete).toBe(false);
    expect(report.ok).toBe(false);
    expect(report.probes.find((row) => row.name === 'open')?.status).toBe('ok');
  });

  it('SIGTERM: exit 143, the text report says it was interrupted', async () => {
    const config = await hangingConfig('term');
    const run = await interruptAfter(
      ['--verbose', 'check', '--config', config],
      /\[1\/2\] 127\.0\.0\.1:\d+ ok/,
      ['SIGTERM'],
    );
    expect(run.code).toBe(143);
    expect(run.stdout).toContain('Interrupted (SIGTERM)');
    expect(run.stdout).toMatch(/\nNOT OK\n$/);
    expect(run.stderr).not.toMatch(/internal error|at .*\.(ts|mjs):\d+/);
  });

  it('releases the alert state lock: no lock file is left', async () => {
    const state = join(dir, 'state');
    const config = await hangingConfig('lock', {
      state: { dir: state },
      alerting: { channels: [{ kind: 'webhook', url: `http://127.0.0.1:${open.port}/hook` }] },
    });
    const run = await interruptAfter(
      ['--verbose', 'check', '--config', config, '--json'],
      /\[1\/2\] 127\.0\.0\.1:\d+ ok/,
      ['SIGINT'],
    );
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout).complete).toBe(false);
    const left = await readdir(state).catch(() => [] as string[]);
    expect(left.filter((name) => name.endsWith('.lock'))).toStrictEqual([]);
  });
});

describe('demo stops on a signal', () => {
  it('Ctrl-C during the check: exit 130 and the partial report', async () => {
    const run = await interruptAfter(['demo'], /the check probes them/, ['SIGINT']);
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('Interrupted (SIGINT)');
    expect(run.stderr).toBe('');
  });
});

describe('simulate cleans up on every exit', () => {
  it.each([
    ['one Ctrl-C', ['SIGINT'], [0]],
    // Linux may merge two signals sent together; the first may finish before the second arrives, which then
    // meets a process already tearing down (killed by it: null). Whichever: the clean-up must have happened
    [
      'two Ctrl-C (the second ends the process if it is still stopping)',
      ['SIGINT', 'SIGINT'],
      [0, 130, null],
    ],
    ['SIGTERM', ['SIGTERM'], [0]],
  ] as const)('%s: exit %j, no mse-watch-sim-* left', async (_, signals, codes) => {
    const own = await mkdtemp(join(dir, 'tmp-'));
    const child = spawn(process.execPath, ['bin/mse-watch.mjs', 'simulate', '--region', 'gov'], {
      cwd: root,
      env: { PATH: process.env.PATH, TMPDIR: own },
    });
    let stdout = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
        if (stdout.includes('Serving until interrupted')) resolve();
      });
    });
    expect(await readdir(own)).toHaveLength(1); // the temporary config, while serving
    const exited = once(child, 'exit');
    for (const signal of signals) {
      child.kill(signal);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [exit] = (await exited) as [number | null];
    expect(codes).toContain(exit);
    expect(await readdir(own)).toStrictEqual([]);
  });
});

describe('watchSignals', () => {
  it('the first signal asks to stop; a second one runs the clean-ups and exits at once', async () => {
    const source = new EventEmitter();
    const exits: number[] = [];
    const cleaned: string[] = [];
    const signals = watchSignals(source as never, (code) => exits.push(code));
    signals.atExit(() => cleaned.push('temp dir'));
    const forgotten = signals.atExit(() => cleaned.push('never'));
    forgotten();
    source.emit('SIGINT');
    expect(await signals.interrupted).toBe('SIGINT');
    expect(exits).toStrictEqual([]);
    expect(cleaned).toStrictEqual([]);
    source.emit('SIGTERM');
    expect(exits).toStrictEqual([143]);
    expect(cleaned).toStrictEqual(['temp dir']);
  });

  it('clean-ups also run on a normal exit', () => {
    const source = new EventEmitter();
    const cleaned: string[] = [];
    const signals = watchSignals(source as never, () => {});
    signals.atExit(() => cleaned.push('a'));
    source.emit('exit', 0);
    expect(cleaned).toStrictEqual(['a']);
  });
});
