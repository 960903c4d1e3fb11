import { randomBytes } from 'node:crypto';

/** `<base36 wall ms>-<6 hex>`: unique across concurrent runs, and its age can be read back. */
export const newCanaryId = (wallNow: number = Date.now()): string =>
  `${wallNow.toString(36)}-${randomBytes(3).toString('hex')}`;

export const canaryName = (prefix: string, id: string): string => `${prefix}-${id}`;

/** The wall time a canary was made, or null when the name is not one of ours. */
export const canaryBornAt = (prefix: string, name: string): number | null => {
  if (!name.startsWith(`${prefix}-`)) return null;
  const match = /^([0-9a-z]+)-[0-9a-f]+$/.exec(name.slice(prefix.length + 1));
  if (!match?.[1]) return null;
  const born = Number.parseInt(match[1], 36);
  return Number.isFinite(born) ? born : null;
};

/** A leftover of an earlier run: ours by prefix, not this run's, and old enough not to be a concurrent run's. */
export const isStaleCanary = (
  prefix: string,
  name: string,
  current: string,
  wallNow: number,
  sweepAfterMs: number,
): boolean => {
  if (name === current) return false;
  const born = canaryBornAt(prefix, name);
  return born !== null && wallNow - born >= sweepAfterMs;
};

/** Stable port per canary so two runs never register the same ip:port. */
export const canaryPort = (id: string): number => {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 20_000 + (hash % 40_000);
};

/** Retries an observation that a Nacos cluster makes visible asynchronously (config dump, naming sync). */
export const until = async <T>(
  attempt: () => Promise<T | undefined>,
  options: { tries: number; gapMs: number; sleep: (ms: number) => Promise<void>; signal: AbortSignal },
): Promise<T | undefined> => {
  for (let i = 0; i < options.tries; i += 1) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (options.signal.aborted || i === options.tries - 1) break;
    await options.sleep(options.gapMs);
  }
  return undefined;
};
