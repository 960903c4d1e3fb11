import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../../cli/program.ts';
import { DEFAULT_LISTEN, parseListen } from '../../shared/service/index.ts';

// The deploy files start `mse-watch serve` with flags: each of them must be one the real command takes, with a
// value it accepts, and the port it listens on must be the one the probes, the Service and the scrape use.

const read = (path: string) => readFileSync(new URL(`../../deploy/${path}`, import.meta.url), 'utf8');

const serveCommand = (): Command => {
  const io = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    env: {},
    cwd: process.cwd(),
    interrupted: new Promise<never>(() => {}),
  };
  const program = buildProgram(io, () => {});
  const serve = program.commands.find((command) => command.name() === 'serve');
  if (!serve) throw new Error('no serve command');
  return serve;
};

/** Parses the arguments with the real command's options (and their parsers); what it does not know is returned. */
const parseServe = (args: string[]) => {
  const serve = serveCommand();
  const { operands, unknown } = serve.parseOptions(args);
  return { operands, unknown, options: serve.opts() as { config?: string; listen?: string; every?: number } };
};

describe('the deploy files start serve with flags it takes', () => {
  it('systemd: ExecStart is `serve --config FILE`, so it listens on the default, 127.0.0.1:9860', () => {
    const unit = read('systemd/mse-watch.service');
    const exec = /^ExecStart=(\S+) (.*)$/m.exec(unit);
    expect(exec?.[1]).toBe('/usr/local/bin/mse-watch');
    const [command, ...args] = (exec?.[2] ?? '').split(' ');
    expect(command).toBe('serve');
    const parsed = parseServe(args);
    expect(parsed.unknown).toEqual([]);
    expect(parsed.operands).toEqual([]);
    expect(parsed.options.config).toBe('/etc/mse-watch/mse-watch.yaml');
    expect(parsed.options.listen).toBeUndefined();
    expect(DEFAULT_LISTEN).toEqual({ host: '127.0.0.1', port: 9860 });
  });

  it('Kubernetes: the container args parse, and the port is the one the probes, the Service and the scrape use', () => {
    const docs = ['deployment.yaml', 'service.yaml'].flatMap((file) =>
      parseAllDocuments(read(`kubernetes/${file}`)).map((doc) => doc.toJS() as Record<string, never>),
    );
    const deployment = docs.find((doc) => doc.kind === 'Deployment') as unknown as {
      spec: {
        template: {
          spec: {
            containers: Array<{
              args: string[];
              ports: Array<{ name: string; containerPort: number }>;
              livenessProbe: { httpGet: { path: string; port: string } };
              startupProbe: { httpGet: { path: string; port: string } };
            }>;
          };
        };
      };
    };
    const service = docs.find((doc) => doc.kind === 'Service') as unknown as {
      metadata: { annotations: Record<string, string> };
      spec: { ports: Array<{ port: number; targetPort: string }> };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    const [command, ...args] = container.args;
    expect(command).toBe('serve');
    const parsed = parseServe(args);
    expect(parsed.unknown).toEqual([]);
    expect(parsed.options.config).toBe('/etc/mse-watch/mse-watch.yaml');
    const listen = parseListen(parsed.options.listen ?? '');
    expect(listen).toEqual({ host: '0.0.0.0', port: 9860 });
    const http = container.ports.find((port) => port.name === 'http');
    expect(http?.containerPort).toBe(listen.port);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(service.spec.ports).toEqual([expect.objectContaining({ port: listen.port, targetPort: 'http' })]);
    expect(service.metadata.annotations['prometheus.io/port']).toBe(String(listen.port));
    expect(service.metadata.annotations['prometheus.io/path']).toBe('/metrics');
  });

  it('a flag serve does not take would be caught here', () => {
    expect(parseServe(['--config', 'x.yaml', '--interval', '60s']).unknown).toEqual(['--interval', '60s']);
    expect(() => parseServe(['--listen', 'localhost:9860'])).toThrow(/not an IP address/);
  });
});
