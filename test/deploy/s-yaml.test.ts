import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type AnySchema } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../shared/config/load.ts';

// the fc3 props schema, vendored (test/fixtures/fc3/README.md); the team's copy in ../shared/fc3 is the reference
const schemaText = readFileSync(new URL('../fixtures/fc3/schema.json', import.meta.url), 'utf8');
const sharedSchema = new URL('../../../shared/fc3/schema.json', import.meta.url);
const schema = JSON.parse(schemaText);
const spec = parse(readFileSync(new URL('../../s.yaml', import.meta.url), 'utf8')) as {
  edition: string;
  name: string;
  access: string;
  vars: Record<string, unknown>;
  resources: Record<string, { component: string; actions?: unknown; props: Record<string, unknown> }>;
};

type FcProps = {
  runtime: string;
  handler: string;
  code: string;
  timeout: number;
  memorySize: number;
  environmentVariables: Record<string, string>;
  vpcConfig: unknown;
  nasConfig: { mountPoints: { mountDir: string }[] };
  triggers: {
    triggerType: string;
    qualifier?: string;
    triggerConfig: { cronExpression: string; payload: string };
  }[];
  asyncInvokeConfig?: {
    qualifier?: string;
    maxAsyncRetryAttempts?: number;
    maxAsyncEventAgeInSeconds?: number;
  };
};

/** The interval of a six-field cron (seconds first) as the project writes them: every minute, every N minutes. */
const cronIntervalSeconds = (cron: string): number => {
  const fields = cron.replace(/^CRON_TZ=\S+ /, '').split(' ');
  const minutes = fields[1] ?? '';
  if (minutes === '*') return 60;
  const every = /^\*\/(\d+)$/.exec(minutes);
  if (every) return Number(every[1]) * 60;
  throw new Error(`interval of ${cron} not understood by this test`);
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, Json>;

/**
 * The fc3 schema has no `additionalProperties: false`, so a misspelled key passes it (and `fc3 deploy`
 * only logs at debug level). Close every object that lists its properties, then let ajv do the rest:
 * inside anyOf, a branch with an unknown key fails and so does the whole anyOf.
 */
const closeObjects = (node: Json): Json => {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const out: Schema = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closeObjects(v)]));
  if (out.properties && typeof out.properties === 'object' && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
};

/** What `s` resolves before the component sees props: ${vars.x} and ${env('X')}. */
const resolveMagic = (value: unknown, env: Record<string, string>): unknown => {
  if (typeof value === 'string') {
    const whole = /^\$\{vars\.([A-Za-z0-9_]+)\}$/.exec(value);
    if (whole) return spec.vars[whole[1]!];
    return value
      .replace(/\$\{vars\.([A-Za-z0-9_]+)\}/g, (_, name: string) => String(spec.vars[name]))
      .replace(/\$\{env\('([A-Z0-9_]+)'\)\}/g, (_, name: string) => env[name] ?? `<${name}>`);
  }
  if (Array.isArray(value)) return value.map((item) => resolveMagic(item, env));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveMagic(v, env)]));
  return value;
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validateStrict = ajv.compile(closeObjects(schema) as AnySchema);
const validateOriginal = new Ajv({ allErrors: true, strict: false }).compile(schema as AnySchema);

describe('s.yaml (edition 3.0.0, fc3)', () => {
  it('has the top-level keys Serverless Devs 3 reads, and both functions', () => {
    expect(spec.edition).toBe('3.0.0');
    expect(Object.keys(spec).sort()).toEqual(['access', 'edition', 'name', 'resources', 'vars']);
    expect(Object.keys(spec.resources).sort()).toEqual(['probe-endpoints', 'probe-nacos']);
    for (const resource of Object.values(spec.resources)) {
      expect(resource.component).toBe('fc3');
      expect(Object.keys(resource).every((k) => ['component', 'actions', 'props'].includes(k))).toBe(true);
    }
  });

  it.each(
    Object.keys(spec.resources),
  )('%s: props match the fc3 schema with unknown keys rejected', (name) => {
    const props = resolveMagic(spec.resources[name]!.props, {});
    const ok = validateStrict(props);
    expect(validateStrict.errors ?? [], JSON.stringify(validateStrict.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the strict check catches a misspelled key that the original schema lets through', () => {
    const props = resolveMagic(spec.resources['probe-endpoints']!.props, {}) as Record<string, unknown>;
    const typo = {
      ...props,
      logConfig: { ...(props.logConfig as object), logStroe: 'x' },
      triggers: [
        { ...(props.triggers as object[])[0], triggerConfig: { cronExpresion: '0 * * * * *', enable: true } },
      ],
    };
    expect(validateOriginal(typo)).toBe(true);
    expect(validateStrict(typo)).toBe(false);
    expect(JSON.stringify(validateStrict.errors)).toMatch(/logStroe|cronExpresion/);
  });

  it.each(Object.keys(spec.resources))('%s: what the handler and the build need', (name) => {
    const props = resolveMagic(spec.resources[name]!.props, {}) as FcProps;
    expect(props.runtime).toBe('nodejs20');
    expect(props.handler).toBe('index.handler');
    expect(props.code).toBe(`./dist/${name}`);
    expect(existsSync(new URL(`../../functions/${name}/index.ts`, import.meta.url))).toBe(true);
    expect(props.environmentVariables.MSE_WATCH_CONFIG).toBe('/code/mse-watch.yaml');
    expect(props.timeout).toBeGreaterThanOrEqual(10);
    expect(props.memorySize % 64).toBe(0);
    expect(props.vpcConfig).toEqual({
      vpcId: spec.vars.vpcId,
      vSwitchIds: [spec.vars.vSwitchId],
      securityGroupId: spec.vars.securityGroupId,
    });
    expect(props.nasConfig.mountPoints[0]?.mountDir).toBe('/mnt/state');
    for (const trigger of props.triggers) {
      expect(trigger.triggerType).toBe('timer');
      // six fields, seconds first, in Beijing time
      expect(trigger.triggerConfig.cronExpression).toMatch(/^CRON_TZ=Asia\/Shanghai (\S+ ){5}\S+$/);
      expect(typeof trigger.triggerConfig.payload).toBe('string');
      expect(JSON.parse(trigger.triggerConfig.payload)).toEqual({ region: spec.vars.region });
    }
  });

  it.each(
    Object.keys(spec.resources),
  )('%s: a timer run is never retried by FC, and never runs later than its interval (fault 17)', (name) => {
    const props = resolveMagic(spec.resources[name]!.props, {}) as FcProps;
    const async = props.asyncInvokeConfig;
    expect(async, 'asyncInvokeConfig is missing: FC would retry a failed timer run 3 times').toBeDefined();
    expect(async?.maxAsyncRetryAttempts).toBe(0);
    for (const trigger of props.triggers) {
      const interval = cronIntervalSeconds(trigger.triggerConfig.cronExpression);
      // near the interval: never longer (a run queued behind the next tick), never much shorter (a brief
      // throttle would drop the run)
      expect(async?.maxAsyncEventAgeInSeconds).toBeLessThanOrEqual(interval);
      expect(async?.maxAsyncEventAgeInSeconds).toBeGreaterThanOrEqual(interval / 2);
      expect(async?.qualifier ?? 'LATEST').toBe(trigger.qualifier ?? 'LATEST');
    }
    // the schema's own bounds (IAsyncInvokeConfig in ../shared/fc3/schema.json), with unknown keys refused
    const bounds = schema.definitions.IAsyncInvokeConfig.properties;
    expect(async?.maxAsyncRetryAttempts).toBeGreaterThanOrEqual(bounds.maxAsyncRetryAttempts.minimum);
    expect(async?.maxAsyncEventAgeInSeconds).toBeGreaterThanOrEqual(bounds.maxAsyncEventAgeInSeconds.minimum);
    const misspelled = { ...props, asyncInvokeConfig: { ...async, maxAsyncRetryAttempt: 0 } };
    expect(validateStrict(misspelled)).toBe(false);
    expect(validateStrict({ ...props, asyncInvokeConfig: { ...async, maxAsyncRetryAttempts: 9 } })).toBe(
      false,
    );
  });

  it('takes every secret from the deployer environment, none written in the file', () => {
    for (const resource of Object.values(spec.resources)) {
      for (const [key, value] of Object.entries(
        resource.props.environmentVariables as Record<string, string>,
      )) {
        if (/SECRET|TOKEN|PASSWORD|WEBHOOK|USERNAME|KEY/.test(key)) expect(value).toBe(`\${env('${key}')}`);
      }
    }
    // region and network ids are vars, referenced rather than repeated
    const raw = readFileSync(new URL('../../s.yaml', import.meta.url), 'utf8');
    expect(raw.match(/vpc-bp1/g)).toHaveLength(1);
  });

  it('ships a config that the functions accept once the environment is filled in', () => {
    const text = readFileSync(new URL('../../functions/mse-watch.yaml', import.meta.url), 'utf8');
    const config = parseConfigText(text, {
      source: 'functions/mse-watch.yaml',
      env: {
        DINGTALK_WEBHOOK: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
        DINGTALK_SECRET: 'SECabc',
        NACOS_SERVER: 'mse-xxxx-nacos-ans.mse.aliyuncs.com:8848',
        NACOS_USERNAME: 'nacos',
        NACOS_PASSWORD: 'pw',
      },
    });
    expect(config.state?.dir).toBe('/mnt/state');
    expect(config.alerting?.channels).toHaveLength(1);
  });
});

describe('the vendored fc3 schema', () => {
  it.skipIf(!existsSync(sharedSchema))('equals ../shared/fc3/schema.json byte for byte', () => {
    expect(schemaText).toBe(readFileSync(sharedSchema, 'utf8'));
  });
});
