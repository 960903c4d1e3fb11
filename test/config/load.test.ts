import { describe, expect, it } from 'vitest';
import { interpolateEnv, parseConfigDocument, parseConfigText } from '../../shared/config/load.ts';
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
      /invalid config bad\.json: not YAML or JSON/,
    );
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
