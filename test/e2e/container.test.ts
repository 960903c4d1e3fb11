import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseExposition, promtoolCheck, samplesOf } from '../metrics/promtool.ts';
import { type Healthchecks, startHealthchecks } from '../service/healthchecks.ts';
import { closedPort, type Listening, tcpListener } from '../support/listeners.ts';

// deploy/container/Containerfile, built and run here by podman the way Kubernetes runs it (deployment.yaml):
// uid 10001, a read-only root, a tmpfs /tmp, the config read-only, a state volume. These machines reach no
// container registry, so the base image is made here: this machine's own node binary and the libraries it
// links, imported as an image. That checks everything the Containerfile does (a base whose only guarantee is
// `node` on the PATH, as the file promises); the official node:20 base is the one thing not exercised.
// Everything podman keeps (storage, run state, its tmpdir) lives in this file's temporary directory.

const root = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'localhost/mse-watch:e2e';
const BASE = 'localhost/mse-watch-e2e-node:20';

let dir: string;
let podman: string[];
let runtime: { ok: true } | { ok: false; reason: string } = { ok: false, reason: 'not tried' };
let limits: string[];

const pod = (args: string[], timeoutMs = 120_000) =>
  spawnSync(podman[0]!, [...podman.slice(1), ...args], { encoding: 'utf8', timeout: timeoutMs });

const onPath = (command: string): boolean =>
  spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;

/** A base image with nothing but this machine's node and the shared libraries it loads (ldd). */
const buildBase = (into: string): void => {
  const base = join(into, 'base');
  const place = (from: string, to: string) => {
    mkdirSync(join(base, dirname(to)), { recursive: true });
    copyFileSync(from, join(base, to));
  };
  place(process.execPath, '/usr/local/bin/node');
  chmodSync(join(base, 'usr/local/bin/node'), 0o755);
  const linked = execFileSync('ldd', [process.execPath], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
  expect(linked.some((path) => /libc\.so/.test(path))).toBe(true);
  for (const path of linked) place(path, path);
  mkdirSync(join(base, 'tmp'), { mode: 0o1777 });
  chmodSync(join(base, 'tmp'), 0o1777);
  mkdirSync(join(base, 'etc'));
  writeFileSync(join(base, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\n');
  execFileSync('tar', ['-C', base, '-cf', join(into, 'base.tar'), '.']);
  const imported = pod(['import', join(into, 'base.tar'), BASE]);
  expect(imported.status, imported.stderr).toBe(0);
};

/** podman sets generous default rlimits that an unprivileged sandbox may refuse: stay within this process's own. */
const rlimits = (): string[] => {
  const text = readFileSync('/proc/self/limits', 'utf8');
  const of = (name: string) => {
    const fields = new RegExp(`^${name}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(text);
    const cap = (value: string | undefined) =>
      value === undefined || value === 'unlimited' ? 4096 : Math.min(Number(value), 4096);
    return `${cap(fields?.[1])}:${cap(fields?.[2])}`;
  };
  return ['--ulimit', `nofile=${of('Max open files')}`, '--ulimit', `nproc=${of('Max processes')}`];
};

beforeAll(async () => {
  if (!onPath('podman'))
    throw new Error('podman is not installed (apt-get install podman runc), see .ci/run');
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-container-'));
  podman = [
    'podman',
    '--root',
    join(dir, 'storage'),
    '--runroot',
    join(dir, 'run'),
    '--tmpdir',
    join(dir, 'libpod'),
    '--storage-driver',
    'vfs',
    '--events-backend',
    'file',
    '--cgroup-manager',
    'cgroupfs',
    // crun refuses hosts with hybrid cgroups (v1 controllers beside v2), which containers like this CI have
    ...(onPath('runc') ? ['--runtime', 'runc'] : []),
    '--log-level',
    'error',
  ];
  limits = rlimits();
  buildBase(dir);
  // the product's own script writes the context and runs the build (the CLI was built by `npm run test:e2e`)
  const script = spawnSync(
    process.execPath,
    [
      'scripts/container.mjs',
      '--context',
      join(dir, 'context'),
      '--offline',
      '--no-cli-build',
      '--engine',
      podman.join(' '),
      '--tag',
      IMAGE,
      '--build-arg',
      `NODE_IMAGE=${BASE}`,
    ],
    { cwd: root, encoding: 'utf8', timeout: 240_000 },
  );
  expect(script.status, script.stderr + script.stdout).toBe(0);
  const tried = pod(['run', '--rm', '--network', 'host', ...limits, IMAGE, '--version']);
  runtime =
    tried.status === 0
      ? { ok: true }
      : {
          ok: false,
          reason: `this machine cannot run a container: ${tried.stderr.trim().split('\n').at(-1)}`,
        };
  if (!runtime.ok) process.stderr.write(`container e2e: ${runtime.reason}\n`);
}, 300_000);

afterAll(async () => {
  if (dir === undefined) return;
  pod(['rm', '--all', '--force']);
  pod(['system', 'reset', '--force']);
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('the container image (deploy/container/Containerfile)', () => {
  it('runs as uid 10001 from its documented entrypoint, and carries the runner without development packages', () => {
    const inspect = pod(['image', 'inspect', IMAGE]);
    expect(inspect.status, inspect.stderr).toBe(0);
    const [image] = JSON.parse(inspect.stdout) as [{ Config: Record<string, unknown> }];
    expect(image.Config).toMatchObject({
      User: '10001:10001',
      WorkingDir: '/var/lib/mse-watch',
      Entrypoint: ['node', '/opt/mse-watch/bin/mse-watch.mjs'],
      Cmd: ['serve', '--config', '/etc/mse-watch/mse-watch.yaml', '--listen', '0.0.0.0:9860'],
      ExposedPorts: { '9860/tcp': {} },
    });
    // what the deployment mounts and passes must be what the image expects
    const deployment = readFileSync(join(root, 'deploy/kubernetes/deployment.yaml'), 'utf8');
    expect(deployment).toMatch(/runAsUser: 10001/);
    expect(deployment).toMatch(/- \/etc\/mse-watch\/mse-watch\.yaml\n\s+- --listen\n\s+- 0\.0\.0\.0:9860/);

    const modules = readdirSync(join(dir, 'context/app/node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['@grpc', '@alicloud', 'zod']));
    for (const dev of ['vitest', 'esbuild', 'typescript', 'nacos', '@biomejs', 'playwright-core', 'tsx'])
      expect(modules).not.toContain(dev);
    expect(readdirSync(join(dir, 'context/app'))).toEqual(
      expect.arrayContaining(['bin', 'dist', 'node_modules', 'package.json']),
    );
    expect(readdirSync(join(dir, 'context/app/dist'))).toEqual(['cli']);
  });

  describe('run the way deploy/kubernetes/deployment.yaml runs it', () => {
    let open: Listening;
    let closed: number;
    let hc: Healthchecks;
    let config: string;
    let state: string;

    beforeAll(async () => {
      open = await tcpListener((socket) => socket.end());
      closed = await closedPort();
      hc = await startHealthchecks();
      config = join(dir, 'etc');
      state = join(dir, 'state');
      mkdirSync(config);
      mkdirSync(state);
      // the volume belongs to the image's user, as Kubernetes' fsGroup makes it
      if (process.getuid?.() === 0) chownSync(state, 10001, 10001);
      else chmodSync(state, 0o777);
      writeFileSync(
        join(config, 'mse-watch.yaml'),
        stringify({
          targets: [
            {
              host: '127.0.0.1',
              port: open.port,
              name: 'listening target',
              mode: 'tcp',
              category: 'listening',
            },
            { host: '127.0.0.1', port: closed, name: 'closed target', mode: 'tcp', category: 'closed' },
          ],
          probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
          heartbeat: { url: hc.pingUrl, retryDelay: '50ms' },
          state: { dir: '/var/lib/mse-watch' },
        }),
      );
    });

    afterAll(async () => {
      await hc?.close();
      await open?.close();
    });

    it('prints its version and catalog', (ctx) => {
      if (!runtime.ok) ctx.skip(runtime.reason);
      const version = pod(['run', '--rm', '--network', 'host', ...limits, IMAGE, '--version']);
      const { version: expected } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(version.stdout).toContain(`mse-watch ${expected}`);
      expect(version.stdout).toMatch(/catalog \d{4}-\d{2}-\d{2}\+[0-9a-f]{8}/);
    });

    it('serves /metrics, / and /healthz from a read-only root as uid 10001, pings the heartbeat, writes only its state volume, and stops on SIGTERM within seconds', async (ctx) => {
      if (!runtime.ok) ctx.skip(runtime.reason);
      const name = `mse-watch-e2e-${process.pid}`;
      const child: ChildProcess = spawn(podman[0]!, [
        ...podman.slice(1),
        'run',
        '--rm',
        '--name',
        name,
        '--network',
        'host',
        '--read-only',
        '--tmpfs',
        '/tmp',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        ...limits,
        '--volume',
        `${config}:/etc/mse-watch:ro`,
        '--volume',
        `${state}:/var/lib/mse-watch`,
        IMAGE,
        // the image's own command, with a loopback address and a short period for the test
        'serve',
        '--config',
        '/etc/mse-watch/mse-watch.yaml',
        '--listen',
        '127.0.0.1:0',
        '--every',
        '10s',
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      const until = async (what: string, test: () => boolean, timeoutMs = 30_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!test()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      try {
        await until('the listening line', () => /serving http:\/\/127\.0\.0\.1:\d+\//.test(stderr));
        const base = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)![1]!;
        await until('the first run', () => stdout.split('\n').filter(Boolean).length >= 1);
        expect(stdout).toMatch(/ none: NOT OK · 1\/2 endpoints answered · closed down 0\/1 · /);

        const metrics = await fetch(`${base}metrics`);
        expect(metrics.status).toBe(200);
        const text = await metrics.text();
        expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
        const byPort = Object.fromEntries(
          samplesOf(parseExposition(text), 'mse_watch_probe_success').map((s) => [s.labels.port, s.value]),
        );
        expect(byPort).toEqual({ [String(open.port)]: 1, [String(closed)]: 0 });

        const page = await (await fetch(base)).text();
        expect(page).toMatch(/data-subject="listening">.*?<span class="bar-value">100 %<\/span>/);
        expect(page).toContain(`closed target (127.0.0.1:${closed})`);
        const health = await fetch(`${base}healthz`);
        expect(health.status).toBe(200);

        await hc.waitFor(2);
        expect(hc.pings.slice(0, 2).map((p) => p.kind)).toEqual(['start', 'success']);

        // the run's history, written by the image's user into the volume and nowhere else
        const files = readdirSync(state);
        expect(files).toContain('history.json');
        for (const file of files) expect(statSync(join(state, file)).uid).toBe(10001);

        const started = performance.now();
        const stop = pod(['stop', '--time', '10', name]);
        expect(stop.status, stop.stderr).toBe(0);
        const [code] = (await once(child, 'exit')) as [number | null];
        expect(code).toBe(0);
        expect(performance.now() - started).toBeLessThan(5000);
        expect(stderr).toMatch(/mse-watch: stopping\n(.*\n)?mse-watch: stopped after \d+ runs?\n/);
      } finally {
        if (child.exitCode === null) {
          pod(['rm', '--force', name]);
          child.kill('SIGKILL');
        }
      }
    }, 90_000);
  });
});
