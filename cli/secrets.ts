import { z } from 'zod';
import { driverFor } from '../shared/alerting/channels/index.ts';
import { Config } from '../shared/config/schema.ts';
import { createRedactor, MASK } from '../shared/util/redact.ts';

// Which values of a config are secrets, from the schemas and the drivers that own them, not from key names:
// a field whose schema carries `.meta({ secret: true })`, and whatever an alert channel's driver lists as its
// secrets (a DingTalk token lives inside the webhook URL, so the URL is masked where the token is).

type Path = Array<string | number>;
type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const isSecret = (schema: z.ZodType): boolean =>
  (z.globalRegistry.get(schema) as { secret?: unknown } | undefined)?.secret === true;

/** Walks the schema and the value side by side; calls `found` for each value a schema marks secret. */
const walk = (
  schema: z.ZodType,
  value: unknown,
  path: Path,
  found: (path: Path) => void,
  depth = 0,
): void => {
  if (depth > 64 || value === undefined) return;
  if (isSecret(schema)) {
    found(path);
    return;
  }
  const def = defOf(schema);
  const next = (inner: z.ZodType | undefined, v: unknown, p: Path) =>
    inner && walk(inner, v, p, found, depth + 1);
  switch (def.type) {
    case 'object':
      if (value !== null && typeof value === 'object')
        for (const [key, field] of Object.entries(def.shape ?? {}))
          next(field, (value as Record<string, unknown>)[key], [...path, key]);
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      next(def.innerType, value, path);
      return;
    case 'pipe':
      next(def.in, value, path);
      next(def.out, value, path);
      return;
    case 'array':
      if (Array.isArray(value))
        for (const [index, item] of value.entries()) next(def.element, item, [...path, index]);
      return;
    case 'record':
      if (value !== null && typeof value === 'object')
        for (const [key, item] of Object.entries(value)) next(def.valueType, item, [...path, key]);
      return;
    case 'union':
      for (const option of def.options ?? []) next(option, value, path);
      return;
    case 'intersection':
      next(def.left, value, path);
      next(def.right, value, path);
      return;
    case 'lazy':
      next(def.getter?.(), value, path);
      return;
    default:
      return;
  }
};

const get = (value: unknown, path: readonly (string | number)[]): unknown =>
  path.reduce<unknown>(
    (current, key) =>
      current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );

const set = (value: unknown, path: readonly (string | number)[], replacement: unknown): void => {
  const parent = get(value, path.slice(0, -1));
  const key = path.at(-1);
  if (parent !== null && typeof parent === 'object' && key !== undefined && key in parent)
    (parent as Record<string, unknown>)[key] = replacement;
};

/** Every secret value of a parsed config, and a copy of it with each secret field replaced by "***". */
export const maskConfig = (
  config: Config,
): { masked: Config; secrets: string[]; redact: (t: string) => string } => {
  const masked = structuredClone(config);
  const secrets: string[] = [];
  const mark = (path: readonly (string | number)[]) => {
    const value = get(config, path);
    if (typeof value === 'string' && value !== '') {
      secrets.push(value);
      set(masked, path, MASK);
    }
  };
  walk(Config, config, [], mark);
  for (const channel of config.alerting?.channels ?? []) secrets.push(...driverFor(channel).secrets(channel));
  const redact = createRedactor(secrets);
  // masked value by value, not in the printed text: "***" alone must be a quoted string in YAML, not an alias
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return redact(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, deep(item)]));
    return value;
  };
  return { masked: deep(masked) as Config, secrets, redact };
};
