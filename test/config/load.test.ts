import { describe, expect, it } from 'vitest';
import { interpolateEnv, parseConfigDocument, parseConfigText } from '../../shared/config/load.ts';

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

describe('${env:NAME}', () => {
  it('replaces references anywhere, leaves other strings alone', () => {
    const out = interpolateEnv(
      { a: 'x-${env:A}-y', list: [{ b: '${env:B}' }, 'plain $ {env:A}'], n: 3 },
      { A: 'one', B: 'two' },
    );
    expect(out).toEqual({ a: 'x-one-y', list: [{ b: 'two' }, 'plain $ {env:A}'], n: 3 });
  });

  it('a missing variable names the field path', () => {
    expect(() =>
      parseConfigText('alerting:\n  channels:\n    - kind: dingtalk\n      secret: ${env:NOPE}\n', {
        env: {},
      }),
    ).toThrow('alerting.channels[0].secret: environment variable NOPE is not set');
  });
});
