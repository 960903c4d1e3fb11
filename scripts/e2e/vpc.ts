import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { type Fault, renderFaultRules } from './fault-rules.ts';

/**
 * A VPC in a box (see ../shared/docs/testing.md): a network namespace that holds only a loopback
 * with the addresses we add, nft rules for faults, and the processes we start inside it.
 * Nothing in it has a route out, so the catalog's real addresses can be probed without a packet
 * leaving the machine. Every namespace this module creates is named mw-e2e-<pid>[-n] and is
 * deleted on destroy(), on process exit and on SIGINT/SIGTERM/SIGHUP; if this process dies without
 * any of those (SIGKILL), a detached guardian deletes it, and the next run sweeps whatever is left
 * of a creator that is gone.
 */

export type VpcSpec = {
  /** Addresses that exist in the namespace (as /32 on lo). Anything else is unreachable. */
  addresses: readonly string[];
  faults?: readonly Fault[];
  /** Printed with describe(), e.g. the region the addresses come from. */
  label?: string;
};

export type RunResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

export type RunOptions = {
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kill the process after this long; the result then has signal SIGKILL. */
  killAfterMs?: number;
};

export type Vpc = {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly faults: readonly Fault[];
  /** What was built: namespace, addresses, nft rules and processes, for the test log. */
  describe(): string;
  /** Replaces all fault rules at once. */
  setFaults(faults: readonly Fault[]): Promise<void>;
  addAddresses(addresses: readonly string[]): Promise<void>;
  removeAddresses(addresses: readonly string[]): Promise<void>;
  /** Runs a command inside the namespace to completion. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Starts a long-lived command inside the namespace; it is killed by destroy(). */
  spawn(argv: readonly string[], options?: Omit<RunOptions, 'input' | 'killAfterMs'>): ChildProcess;
  destroy(): Promise<void>;
};

export type Support = { ok: true } | { ok: false; reason: string };

export const NAME_PREFIX = 'mw-e2e-';
const OWN_NAME = /^mw-e2e-(\d+)(?:-[a-z0-9]+)?$/;

const findTool = (name: string): string | undefined =>
  [`/usr/sbin/${name}`, `/sbin/${name}`, `/usr/bin/${name}`, `/bin/${name}`].find((path) => existsSync(path));

const IP = findTool('ip') ?? 'ip';

const tool = (argv: readonly string[], input?: string): Promise<RunResult> => {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('empty command');
  const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  return collect(child, input === undefined ? {} : { input });
};

const must = async (argv: readonly string[], input?: string): Promise<string> => {
  const result = await tool(argv, input);
  if (result.code !== 0) {
    throw new Error(
      `${argv.join(' ')} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result.stdout;
};

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Names in `ip netns list`, which prints "name" or "name (id: N)". */
const listNamespaces = (): string[] => {
  try {
    return execFileSync(IP, ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0] ?? '')
      .filter((name) => name !== '');
  } catch {
    return [];
  }
};

/** Our namespaces whose creating process is gone (a run killed with SIGKILL); returns what it removed. */
export const sweepStaleNamespaces = (): string[] => {
  const removed: string[] = [];
  for (const name of listNamespaces()) {
    const pid = Number(OWN_NAME.exec(name)?.[1]);
    if (!pid || pidAlive(pid)) continue;
    try {
      execFileSync(IP, ['netns', 'del', name], { stdio: 'ignore' });
      removed.push(name);
    } catch {
      // someone else removed it between list and del
    }
  }
  return removed;
};

/** Our namespaces that exist right now (for the "nothing left behind" check). */
export const ownNamespaces = (): string[] => listNamespaces().filter((name) => OWN_NAME.test(name));

let supportChecked: Promise<Support> | undefined;

/**
 * Whether this machine lets us build a namespace: Linux, root, iproute2 and nft present, and an
 * actual `ip netns add` that works (a container without CAP_SYS_ADMIN fails only there).
 */
export const namespaceSupport = (): Promise<Support> => {
  supportChecked ??= (async (): Promise<Support> => {
    if (process.platform !== 'linux')
      return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
    const uid = process.getuid?.();
    if (uid !== 0) return { ok: false, reason: `creating a network namespace needs root (uid is ${uid})` };
    if (!findTool('ip')) return { ok: false, reason: 'iproute2 (`ip`) is not installed' };
    if (!findTool('nft'))
      return { ok: false, reason: 'nftables (`nft`) is not installed: apt-get install nftables' };
    const probe = `${NAME_PREFIX}${process.pid}-check`;
    const added = await tool([IP, 'netns', 'add', probe]);
    if (added.code !== 0) return { ok: false, reason: `ip netns add failed: ${added.stderr.trim()}` };
    // entering it (ip netns exec remounts /sys) and loading nft rules can fail where adding did not
    const entered = await tool([IP, 'netns', 'exec', probe, 'nft', 'list', 'ruleset']);
    await tool([IP, 'netns', 'del', probe]);
    if (entered.code !== 0) {
      return {
        ok: false,
        reason: `cannot run nft inside a namespace: ${entered.stderr.trim() || `exit ${entered.code}`}`,
      };
    }
    return { ok: true };
  })();
  return supportChecked;
};

const live = new Map<string, { children: Set<ChildProcess>; guardian?: ChildProcess }>();

/**
 * A detached watcher per namespace that outlives us: once this process is gone, however it died (SIGKILL,
 * a test runner tearing its workers down), it kills what still runs inside the namespace and deletes it.
 * In its own session, so the Ctrl-C that interrupts the run does not reach it.
 */
const startGuardian = (name: string): ChildProcess => {
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done`,
    `for pid in $(${IP} netns pids ${name} 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done`,
    `${IP} netns del ${name} 2>/dev/null`,
  ].join('; ');
  const guardian = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  guardian.unref();
  return guardian;
};
let counter = 0;
let handlersInstalled = false;

/** Last-resort cleanup: synchronous, because it also runs from 'exit' where promises never settle. */
const destroyAllSync = (): void => {
  for (const [name, entry] of live) {
    for (const child of entry.children) {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    try {
      execFileSync(IP, ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    entry.guardian?.kill('SIGKILL');
    live.delete(name);
  }
};

const installHandlers = (): void => {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', destroyAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      const names = [...live.keys()];
      destroyAllSync();
      if (names.length > 0) process.stderr.write(`mw-e2e: ${signal}, removed ${names.join(' ')}\n`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
};

const collect = (child: ChildProcess, options: RunOptions): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer =
      options.killAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // a command that exits before reading its input (it failed) must report its exit, not crash us with EPIPE
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });

export const createVpc = async (spec: VpcSpec): Promise<Vpc> => {
  for (const address of spec.addresses) {
    if (!isIPv4(address)) throw new Error(`VPC address must be IPv4, got "${address}"`);
  }
  installHandlers();
  sweepStaleNamespaces();
  const name = `${NAME_PREFIX}${process.pid}${counter++ === 0 ? '' : `-${counter}`}`;
  const children = new Set<ChildProcess>();
  let addresses = [...new Set(spec.addresses)];
  let faults: readonly Fault[] = [...(spec.faults ?? [])];
  let destroyed = false;

  await must([IP, 'netns', 'add', name]);
  const guardian = startGuardian(name);
  live.set(name, { children, guardian });

  const batch = (verb: 'add' | 'del', list: readonly string[]) =>
    list.length === 0
      ? Promise.resolve('')
      : must([IP, '-n', name, '-batch', '-'], list.map((a) => `address ${verb} ${a}/32 dev lo\n`).join(''));
  const loadFaults = (next: readonly Fault[]) =>
    must([IP, 'netns', 'exec', name, 'nft', '-f', '-'], renderFaultRules(next));

  const spawnIn = (argv: readonly string[], options: RunOptions): ChildProcess => {
    if (destroyed) throw new Error(`namespace ${name} is already destroyed`);
    const child = spawn(IP, ['netns', 'exec', name, ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };

  const vpc: Vpc = {
    name,
    get addresses() {
      return addresses;
    },
    get faults() {
      return faults;
    },
    describe: () =>
      [
        `namespace ${name}${spec.label ? ` (${spec.label})` : ''}: interface lo only, no route out`,
        `  addresses (${addresses.length}): ${addresses.join(' ')}`,
        `  nft rules (${faults.length}):${faults.length === 0 ? ' none' : ''}`,
        ...renderFaultRules(faults)
          .split('\n')
          .filter((line) => /^\s+ip daddr/.test(line))
          .map((line) => `    ${line.trim()}`),
        `  processes: ${[...children].map((child) => `${child.pid} ${child.spawnargs.slice(4).join(' ')}`).join('; ') || 'none'}`,
        `  try: ip netns exec ${name} ./bin/mse-watch.mjs check --region <region>`,
      ].join('\n'),
    setFaults: async (next) => {
      await loadFaults(next);
      faults = [...next];
    },
    addAddresses: async (list) => {
      const fresh = list.filter((address) => !addresses.includes(address));
      await batch('add', fresh);
      addresses = [...addresses, ...fresh];
    },
    removeAddresses: async (list) => {
      const present = list.filter((address) => addresses.includes(address));
      await batch('del', present);
      addresses = addresses.filter((address) => !present.includes(address));
    },
    run: (argv, options = {}) => collect(spawnIn(argv, options), options),
    spawn: (argv, options = {}) => spawnIn(argv, options),
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const force = setTimeout(() => child.kill('SIGKILL'), 2000);
              child.once('exit', () => {
                clearTimeout(force);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
      live.delete(name);
      guardian.kill('SIGKILL');
      await must([IP, 'netns', 'del', name]);
    },
  };

  try {
    await must([IP, '-n', name, 'link', 'set', 'lo', 'up']);
    await batch('add', addresses);
    await loadFaults(faults);
    // the whole point: nothing but lo, and no route that could carry a packet off the machine
    const links = (await must([IP, '-n', name, '-o', 'link', 'show'])).trim().split('\n');
    const routes = (await must([IP, '-n', name, 'route', 'show', 'table', 'main'])).trim();
    if (links.length !== 1 || !/^\d+: lo:/.test(links[0] ?? '') || routes !== '') {
      throw new Error(`namespace ${name} is not isolated: links=${links.join(' | ')} routes=${routes}`);
    }
  } catch (error) {
    await vpc.destroy().catch(() => undefined);
    throw error;
  }
  return vpc;
};
