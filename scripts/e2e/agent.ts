import type { ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Vpc } from './vpc.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** argv that runs a TypeScript file of this repo with the same node as the harness. */
export const tsNode = (script: string, ...args: string[]): string[] => [
  process.execPath,
  '--import',
  'tsx',
  resolve(REPO_ROOT, script),
  ...args,
];

export type Agent = {
  readonly pid: number;
  request<T = unknown>(op: string, payload?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
};

type Reply = { id: number; ok: boolean; result?: unknown; error?: string };

/**
 * Starts scripts/e2e/ns-agent.ts inside the namespace and waits until it says it is ready. `ops` are modules
 * (paths from the repository root) that add ops of their caller's, such as the e2e suite's receivers.
 */
export const startAgent = async (vpc: Vpc, options: { ops?: string[] } = {}): Promise<Agent> => {
  const extra = (options.ops ?? []).flatMap((file) => ['--ops', resolve(REPO_ROOT, file)]);
  const child: ChildProcess = vpc.spawn(tsNode('scripts/e2e/ns-agent.ts', ...extra), { cwd: REPO_ROOT });
  const pending = new Map<number, (reply: Reply) => void>();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let nextId = 1;
  const ready = new Promise<Reply>((resolveReady, rejectReady) => {
    pending.set(0, resolveReady);
    child.once('exit', (code) =>
      rejectReady(new Error(`ns-agent exited with ${code} before ready: ${stderr}`)),
    );
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      return; // a library printing to stdout; only our JSON lines matter
    }
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  child.once('exit', (code) => {
    for (const [, settle] of pending)
      settle({ id: -1, ok: false, error: `ns-agent exited (${code}): ${stderr}` });
    pending.clear();
  });
  await ready;
  return {
    pid: child.pid!,
    request: async <T>(op: string, payload: Record<string, unknown> = {}): Promise<T> => {
      const id = nextId++;
      const reply = await new Promise<Reply>((settle) => {
        pending.set(id, settle);
        child.stdin!.write(`${JSON.stringify({ id, op, ...payload })}\n`);
      });
      if (!reply.ok) throw new Error(`ns-agent ${op}: ${reply.error}`);
      return reply.result as T;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.stdin!.end();
      await exited;
    },
  };
};
