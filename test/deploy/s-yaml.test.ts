import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type AnySchema } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderSYaml } from '../../scripts/s-yaml.ts';
import { parseConfigText } from '../../shared/config/load.ts';

// the fc3 props schema, vendored (test/fixtures/fc3/README.md); the team's copy in ../shared/fc3 is the reference
const schemaText = readFileSync(new URL('../fixtures/fc3/schema.json', import.meta.url), 'utf8');
const sharedSchema = new URL('../../../shared/fc3/schema.json', import.meta.url);
const schema = JSON.parse(schemaText);
const sYamlText = readFileSync(new URL('../../s.yaml', import.meta.url), 'utf8');

type Spec = {
  edition: string;
  name: string;
  access: string;
  vars: Record<string, unknown>;
  resources: Record<string, { component: string; actions?: unknown; props: Record<string, unknown> }>;
};

type Trigger = {
  triggerName: string;
  triggerType: string;
  qualifier?: string;
  triggerConfig: {
    cronExpression?: string;
    payload?: string;
    enable?: boolean;
    authType?: string;
    methods?: string[];
  };
};

type FcProps = {
  region: string;
  functionName: string;
  runtime: string;
  handler: string;
  code: string;
  timeout: number;
  memorySize: number;
  role: string;
  environmentVariables: Record<string, string>;
  vpcConfig: { vpcId: string; vSwitchIds: string[]; securityGroupId: string };
  nasConfig: { mountPoints: { mountDir: string; serverAddr: string }[] };
  logConfig: { project: string; logstore: string };
  triggers: Trigger[];
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
const resolveMagic = (spec: Spec, value: unknown, env: Record<string, string> = {}): unknown => {
  if (typeof value === 'string') {
    const whole = /^\$\{vars\.([A-Za-z0-9_]+)\}$/.exec(value);
    if (whole) {
      expect(spec.vars, `\${vars.${whole[1]}} is not defined`).toHaveProperty(whole[1]!);
      return spec.vars[whole[1]!];
    }
    return value
      .replace(/\$\{vars\.([A-Za-z0-9_]+)\}/g, (_, name: string) => {
        expect(spec.vars, `\${vars.${name}} is not defined`).toHaveProperty(name);
        return String(spec.vars[name]);
      })
      .replace(/\$\{env\('([A-Z0-9_]+)'\)\}/g, (_, name: string) => env[name] ?? `<${name}>`);
  }
  if (Array.isArray(value)) return value.map((item) => resolveMagic(spec, item, env));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveMagic(spec, v, env)]));
  return value;
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validateStrict = ajv.compile(closeObjects(schema) as AnySchema);
const validateOriginal = new Ajv({ allErrors: true, strict: false }).compile(schema as AnySchema);

const FUNCTIONS = ['probe-endpoints', 'probe-nacos', 'status'] as const;
/** Which function a resource deploys: the code directory says (resource names carry a region suffix). */
const functionOf = (props: FcProps) => props.code.replace('./dist/', '') as (typeof FUNCTIONS)[number];

const multiRegion = renderSYaml({ regions: ['cn-hangzhou', 'cn-shanghai'], cloudMonitor: true });

const files: Array<[string, string, string[]]> = [
  ['s.yaml (one region)', sYamlText, ['cn-hangzhou']],
  [
    'scripts/s-yaml.ts --regions cn-hangzhou,cn-shanghai --cloudmonitor',
    multiRegion,
    ['cn-hangzhou', 'cn-shanghai'],
  ],
];

describe.each(files)('%s (edition 3.0.0, fc3)', (_, text, regions) => {
  const spec = parse(text) as Spec;
  const names = Object.keys(spec.resources);
  const propsOf = (name: string) => resolveMagic(spec, spec.resources[name]!.props) as FcProps;

  it('has the top-level keys Serverless Devs 3 reads, and the three functions in every region', () => {
    expect(spec.edition).toBe('3.0.0');
    expect(Object.keys(spec).sort()).toEqual(['access', 'edition', 'name', 'resources', 'vars']);
    for (const resource of Object.values(spec.resources)) {
      expect(resource.component).toBe('fc3');
      expect(Object.keys(resource).every((k) => ['component', 'actions', 'props'].includes(k))).toBe(true);
    }
    const deployed = names.map((name) => [propsOf(name).region, functionOf(propsOf(name))]).sort();
    expect(deployed).toEqual(regions.flatMap((region) => FUNCTIONS.map((fn) => [region, fn])).sort());
  });

  it.each(names)('%s: props match the fc3 schema with unknown keys rejected', (name) => {
    const ok = validateStrict(propsOf(name));
    expect(validateStrict.errors ?? [], JSON.stringify(validateStrict.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it.each(names)('%s: what the handler and the build need, in its own region', (name) => {
    const props = propsOf(name);
    const fn = functionOf(props);
    expect(FUNCTIONS).toContain(fn);
    expect(props.functionName).toBe(`mse-watch-${fn}`);
    expect(props.runtime).toBe('nodejs20');
    expect(props.handler).toBe('index.handler');
    expect(existsSync(new URL(`../../functions/${fn}/index.ts`, import.meta.url))).toBe(true);
    expect(props.timeout).toBeGreaterThanOrEqual(10);
    expect(props.memorySize % 64).toBe(0);
    expect(props.role).toMatch(/^acs:ram::\d+:role\//);
    // each region its own network, NAS and logstore: none is shared with another region
    expect(props.nasConfig.mountPoints[0]?.mountDir).toBe('/mnt/state');
    expect(props.nasConfig.mountPoints[0]?.serverAddr).toContain(
      `.${props.region}.nas.aliyuncs.com:/mse-watch`,
    );
    const others = names
      .map(propsOf)
      .filter((p) => p.region !== props.region)
      .map((p) => p.nasConfig.mountPoints[0]?.serverAddr);
    expect(others).not.toContain(props.nasConfig.mountPoints[0]?.serverAddr);
    if (fn === 'status') {
      expect(props.environmentVariables).toEqual({
        MSE_WATCH_STATE_DIR: '/mnt/state',
        MSE_WATCH_STATUS_TOKEN: '<MSE_WATCH_STATUS_TOKEN>',
      });
      return;
    }
    expect(props.environmentVariables.MSE_WATCH_CONFIG).toBe('/code/mse-watch.yaml');
    for (const trigger of props.triggers) {
      expect(trigger.triggerType).toBe('timer');
      // six fields, seconds first, in Beijing time
      expect(trigger.triggerConfig.cronExpression).toMatch(/^CRON_TZ=Asia\/Shanghai (\S+ ){5}\S+$/);
      // every run, record and page of this function is keyed by its region
      expect(JSON.parse(trigger.triggerConfig.payload ?? '')).toEqual({ region: props.region });
    }
  });

  it.each(
    names.filter((name) => name.startsWith('status')),
  )('%s: an HTTP trigger that is not anonymous in effect, and the CloudMonitor tick', (name) => {
    const props = propsOf(name);
    const http = props.triggers.find((t) => t.triggerType === 'http');
    expect(http?.triggerConfig).toEqual({
      authType: 'anonymous',
      methods: ['GET', 'HEAD'],
      disableURLInternet: false,
    });
    // anonymous at FC means the function checks the token: it refuses to serve without one (test/fc/status)
    expect(props.environmentVariables.MSE_WATCH_STATUS_TOKEN).toBe('<MSE_WATCH_STATUS_TOKEN>');
    const tick = props.triggers.find((t) => t.triggerType === 'timer');
    expect(JSON.parse(tick?.triggerConfig.payload ?? '')).toEqual({ cloudMonitor: { groupId: '0' } });
    expect(tick?.triggerConfig.enable).toBe(text === multiRegion);
    // the trigger's auth type is one the schema knows (its anyOf of trigger configs alone would accept others)
    const authTypes = schema.definitions.IHttpTriggerConfig.properties.authType.enum;
    expect(authTypes).toContain(http?.triggerConfig.authType);
    expect(authTypes).toEqual(['anonymous', 'function', 'jwt']);
  });

  it.each(
    names,
  )('%s: a timer run is never retried by FC, and never runs later than its interval (fault 17)', (name) => {
    const props = propsOf(name);
    const async = props.asyncInvokeConfig;
    expect(async, 'asyncInvokeConfig is missing: FC would retry a failed timer run 3 times').toBeDefined();
    expect(async?.maxAsyncRetryAttempts).toBe(0);
    for (const trigger of props.triggers.filter((t) => t.triggerType === 'timer')) {
      const interval = cronIntervalSeconds(trigger.triggerConfig.cronExpression ?? '');
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
    // network ids are vars, referenced rather than repeated
    for (const prefix of ['vpc-', 'vsw-', 'sg-']) {
      const ids = text.match(new RegExp(`\\b${prefix}[a-z0-9]+\\b`, 'g')) ?? [];
      expect(ids).toHaveLength(regions.length);
    }
  });
});

describe('s.yaml is what the generator writes for one region', () => {
  it('byte for byte, so the two never drift apart', () => {
    expect(renderSYaml({ regions: ['cn-hangzhou'] })).toBe(sYamlText);
  });

  it('refuses an unknown or repeated region, naming it', () => {
    expect(() => renderSYaml({ regions: ['cn-nowhere'] })).toThrow(/unknown region "cn-nowhere"/);
    expect(() => renderSYaml({ regions: ['cn-hangzhou', 'China (Hangzhou)'] })).toThrow(
      '--regions: cn-hangzhou is listed twice',
    );
    expect(() => renderSYaml({ regions: [] })).toThrow('give at least one region id');
  });

  it('the strict check catches a misspelled key that the original schema lets through', () => {
    const spec = parse(sYamlText) as Spec;
    const props = resolveMagic(spec, spec.resources['probe-endpoints']!.props) as Record<string, unknown>;
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
