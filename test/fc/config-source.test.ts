import { describe, expect, it } from 'vitest';
import { loadFunctionConfig } from '../../shared/fc/config-source.ts';

// A warm instance parses its config once while nothing it was made from changes: the file's text, the trigger
// payload, the variables it names. Anything else is parsed again, and a config that fails is never kept.

const FILE = '/code/mse-watch.yaml';
const text = (port: number) => `
targets:
  - { host: 127.0.0.1, port: ${port}, mode: tcp }
  - { host: 127.0.0.1, port: ${port}, mode: tcp }
sls: { project: mse-watch-logs, logstore: mse-watch, endpoint: "\${env:SLS_ENDPOINT}" }
`;

const deps = (files: Record<string, string>, env: Record<string, string>, warnings: string[]) => ({
  env: { MSE_WATCH_CONFIG: FILE, ...env },
  readFile: async (path: string) => {
    const found = files[path];
    if (found === undefined) throw new Error(`ENOENT: ${path}`);
    return found;
  },
  onWarning: (message: string) => warnings.push(message),
});

describe('the function config across invocations', () => {
  it('is parsed once while text, payload and variables are unchanged; its warnings are given every time', async () => {
    const files = { [FILE]: text(1001) };
    const env = { SLS_ENDPOINT: 'cn-hangzhou.log.aliyuncs.com' };
    const first: string[] = [];
    const second: string[] = [];
    const a = await loadFunctionConfig({}, deps(files, env, first));
    const b = await loadFunctionConfig({}, deps(files, env, second));
    expect(b).toBe(a);
    expect(a.targets).toHaveLength(1);
    expect(first).toHaveLength(1);
    expect(second).toEqual(first);
  });

  it('is parsed again when the file, the payload or a variable it names changes', async () => {
    const env = { SLS_ENDPOINT: 'cn-hangzhou.log.aliyuncs.com' };
    const a = await loadFunctionConfig({}, deps({ [FILE]: text(1002) }, env, []));
    const otherFile = await loadFunctionConfig({}, deps({ [FILE]: text(1003) }, env, []));
    expect(otherFile).not.toBe(a);
    expect(otherFile.targets[0]?.port).toBe(1003);
    const otherPayload = await loadFunctionConfig(
      { region: 'cn-hangzhou' },
      deps({ [FILE]: text(1003) }, env, []),
    );
    expect(otherPayload.region).toBe('cn-hangzhou');
    const otherVariable = await loadFunctionConfig(
      { region: 'cn-hangzhou' },
      deps({ [FILE]: text(1003) }, { SLS_ENDPOINT: 'cn-shanghai.log.aliyuncs.com' }, []),
    );
    expect(otherVariable).not.toBe(otherPayload);
    expect(otherVariable.sls?.endpoint).toBe('cn-shanghai.log.aliyuncs.com');
  });

  it('a config that fails is not kept: it fails again, and a fix is seen at once', async () => {
    const broken = deps({ [FILE]: text(1004) }, {}, []);
    await expect(loadFunctionConfig({}, broken)).rejects.toThrow(/SLS_ENDPOINT is not set/);
    await expect(loadFunctionConfig({}, broken)).rejects.toThrow(/SLS_ENDPOINT is not set/);
    const fixed = await loadFunctionConfig(
      {},
      deps({ [FILE]: text(1004) }, { SLS_ENDPOINT: 'x.example' }, []),
    );
    expect(fixed.sls?.endpoint).toBe('x.example');
  });
});
