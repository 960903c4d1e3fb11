import { describe, expect, it } from 'vitest';
import {
  interpolateEnv,
  parseConfig,
  parseConfigDocument,
  parseConfigText,
} from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';

describe('parseConfigDocument', () => {
  it.each([
    ['JSON', '{"region": "cn-hangzhou", "probe": {"attempts": 1}}'],
    ['YAML', 'region: cn-hangzhou\nprobe:\n  attempts: 1\n'],
    ['YAML flow style (not JSON)', '{region: cn-hangzhou, probe: {attempts: 1}}'],
  ])('reads %s', (_, text) => {
    expect(parseConfigDocument(text)).toEqual({ region: 'cn-hangzhou', probe: { attempts: 1 } });
  });

  it('names the source of a syntax error', () => {
    expect(() => parseConfigDocument('{"region": ', 'bad.json')).toThrow(
      /invalid config bad\.json: not valid YAML or JSON/,
    );
  });
});

describe('syntax errors say where, never what (fault 11)', () => {
  const SECRET = 'SECdo-not-print-me-0123456789';
  it.each([
    [
      'an unclosed quote on the secret line',
      `region: cn-hangzhou\nalerting:\n  channels:\n    - kind: dingtalk\n      secret: "${SECRET}\n`,
      /not valid YAML or JSON: .* at line \d+, column \d+ \(the line is not shown: it may hold a secret\)$/,
    ],
    [
      'bad indentation next to a token',
      `alerting:\n  channels:\n    - kind: webhook\n      url: https://hooks.example.com/x?token=${SECRET}\n     headers: {a: b}\n`,
      /not valid YAML or JSON: .* at line 5, column \d+/,
    ],
    ['a broken JSON config', `{"state": {"dir": "/x"},\n "token": "${SECRET}"`, /at line \d+, column \d+/],
    [
      'a key given twice',
      `region: a\nregion: ${SECRET}\n`,
      /a key that appears twice in the same section at line 2, column 1/,
    ],
    ['an alias to nowhere, named after the secret', `region: *${SECRET}\n`, /could not resolve/],
  ])('%s', (_, text, message) => {
    let thrown: Error | undefined;
    try {
      parseConfigDocument(text, 'mse-watch.yaml');
    } catch (error) {
      thrown = error as Error;
    }
    expect(thrown?.message).toMatch(/^invalid config mse-watch\.yaml: /);
    expect(thrown?.message).toMatch(message);
    expect(thrown?.message).not.toContain(SECRET);
    expect(thrown?.message).not.toContain('do-not-print');
  });
});

describe('size and depth limits (fault 12)', () => {
  it('a JSON config nested 100,000 levels deep is refused with a clear error, not a stack overflow', () => {
    const deep = `{"targets": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => parseConfigDocument(deep, 'deep.json')).toThrow(
      /^invalid config deep\.json: nested more than 64 levels deep \(line 1, column \d+\)/,
    );
    const objects = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(() => parseConfigDocument(objects, 'deep.json')).toThrow(/nested more than 64 levels deep/);
  });

  it('the same nesting as YAML flow style, and as YAML block style, is refused too', () => {
    expect(() => parseConfigDocument(`targets: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)).toThrow(
      /nested more than 64 levels/,
    );
    const block = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(() => parseConfigDocument(block)).toThrow(
      /nested too deeply: line \d+ is indented more than 256 spaces/,
    );
  });

  it('a nested value that did not come from text (a trigger payload) is refused before any recursive walk', () => {
    let value: Record<string, unknown> = {};
    const root = value;
    for (let i = 0; i < 100_000; i++) {
      const next: Record<string, unknown> = {};
      value.x = next;
      value = next;
    }
    expect(() => parseConfig(root, { source: 'trigger payload' })).toThrow(
      /^invalid config trigger payload: nested more than 64 levels deep \(at x\.x\.x/,
    );
  });

  it('a config over 16 MiB is refused before parsing', () => {
    const huge = `# ${'x'.repeat(17 * 1024 * 1024)}\nregion: cn-hangzhou\n`;
    expect(() => parseConfigDocument(huge, 'huge.yaml')).toThrow(
      /^invalid config huge\.yaml: 17\.0 MiB is more than the 16 MiB a config may be/,
    );
  });

  it('50,000 targets in JSON are well inside the limits', () => {
    const targets = Array.from({ length: 50_000 }, (_, i) => ({
      host: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
      port: 80 + (i % 3),
    }));
    const config = parseConfigText(JSON.stringify({ targets }), { source: 'big.json' });
    expect(config.targets).toHaveLength(50_000);
  });
});

describe('duplicate targets (fault 8)', () => {
  it('are merged into one, with one warning naming both entries', () => {
    const warnings: string[] = [];
    const config = parseConfigText(
      [
        'targets:',
        '  - { host: db.internal, port: 5432, name: primary, required: false }',
        '  - { host: cache.internal, port: 6379 }',
        '  - { host: DB.internal, port: 5432 }',
      ].join('\n'),
      { source: 'dup.yaml', onWarning: (message) => warnings.push(message) },
    );
    expect(config.targets.map((t) => [t.host, t.port, t.name, t.required])).toEqual([
      ['db.internal', 5432, 'primary', true],
      ['cache.internal', 6379, undefined, true],
    ]);
    expect(warnings).toEqual([
      'dup.yaml: targets[2] repeats targets[0] (DB.internal:5432); merged into one, since a target is probed and alerted on once',
    ]);
  });

  it('that disagree on how to probe are an error naming both', () => {
    expect(() =>
      parseConfigText(
        'targets:\n  - { host: a.internal, port: 443, mode: tls }\n  - { host: a.internal, port: 443, mode: tcp }\n',
        { source: 'dup.yaml' },
      ),
    ).toThrow(
      'invalid config dup.yaml:\n  - targets[1]: a.internal:443 is already targets[0], with another mode; a host:port is probed and alerted on once: keep one entry',
    );
  });

  it('without onWarning the merge still happens', () => {
    const config = parseConfigText('targets:\n  - { host: a, port: 1 }\n  - { host: a, port: 1 }\n');
    expect(config.targets).toHaveLength(1);
  });
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: ${env:NAME} is the config syntax under test
describe('${env:NAME}', () => {
  it('replaces references anywhere, leaves other strings alone', () => {
    const out = interpolateEnv(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${env:NAME} is the config syntax under test
      { a: 'x-${env:A}-y', list: [{ b: '${env:B}' }, 'plain $ {env:A}'], n: 3 },
      { A: 'one', B: 'two' },
    );
    expect(out).toEqual({ a: 'x-one-y', list: [{ b: 'two' }, 'plain $ {env:A}'], n: 3 });
  });

  it('a missing variable names the field path', () => {
    expect(() =>
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${env:NAME} is the config syntax under test
      parseConfigText('alerting:\n  channels:\n    - kind: dingtalk\n      secret: ${env:NOPE}\n', {
        env: {},
      }),
    ).toThrow('alerting.channels[0].secret: environment variable NOPE is not set');
  });
});

describe('durations: one style in every section', () => {
  it.each([
    ['probe.timeout', 'probe:\n  timeout: 1500ms\n', (c: Config) => c.probe.timeout, 1500],
    ['probe.spacing', 'probe:\n  spacing: 2s\n', (c: Config) => c.probe.spacing, 2000],
    ['a bare number is milliseconds', 'probe:\n  timeout: 700\n', (c: Config) => c.probe.timeout, 700],
    ['nacos.timeout', 'nacos:\n  server: 127.0.0.1\n  timeout: 2s\n', (c: Config) => c.nacos?.timeout, 2000],
    [
      'nacos.thresholds',
      'nacos:\n  server: 127.0.0.1\n  thresholds:\n    login: 1.5s\n',
      (c: Config) => c.nacos?.thresholds.login,
      1500,
    ],
    [
      'nacos.canary.sweepAfter',
      'nacos:\n  server: 127.0.0.1\n  canary:\n    sweepAfter: 10m\n',
      (c: Config) => c.nacos?.canary.sweepAfter,
      600_000,
    ],
  ])('%s', (_, text, pick, expected) => {
    expect(pick(parseConfigText(text))).toBe(expected);
  });

  it.each([
    ['timeoutMs', 'probe:\n  timeoutMs: 3000\n', '"timeoutMs" is now "timeout"'],
    ['spacingMs', 'probe:\n  spacingMs: 250\n', '"spacingMs" is now "spacing"'],
    [
      'sweepAfterMs',
      'nacos:\n  server: x\n  canary:\n    sweepAfterMs: 1\n',
      '"sweepAfterMs" is now "sweepAfter"',
    ],
  ])('an old key (%s) is rejected with its new name', (_, text, message) => {
    expect(() => parseConfigText(text)).toThrow(message);
  });

  it('a duration out of range says the range in units', () => {
    expect(() => parseConfigText('probe:\n  timeout: 0s\n')).toThrow(
      'probe.timeout: must be between 50ms and 2m, got 0ms',
    );
  });
});
