import { InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import { describeIssue } from '../shared/config/issues.ts';
import { formatDuration, parseDuration } from '../shared/util/duration.ts';

// Options and argument parsers more than one command uses, in one place. A flag that sets a config field is
// checked by that field's own schema, so a flag and the config file accept the same values and say the same
// thing about a wrong one — with the flag's name instead of the field's.

const checkWith = <T>(flag: string, schema: z.ZodType<T | undefined> | undefined, value: T): T => {
  if (!schema) return value as T;
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InvalidArgumentError(`${flag} ${issue ? describeIssue(issue) : 'is not valid'}`);
  }
  return result.data ?? value;
};

/** A whole number, then the config field's own bounds. */
export const integer =
  (flag: string, schema?: z.ZodType<number | undefined>) =>
  (value: string): number => {
    if (!/^-?\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`${flag} must be a whole number, got "${value}"`);
    return checkWith(flag, schema, Number(value));
  };

/**
 * A duration flag, in the one style of every duration: `3s`, `500ms`, `2m`; a bare number is in `bareUnit`
 * (each flag documents its own, and keeps the one it always had). Returns milliseconds.
 */
export const duration =
  (flag: string, bareUnit: 'ms' | 's', schema?: z.ZodType<number | undefined>) =>
  (value: string): number => {
    const ms = parseDuration(value, bareUnit);
    if (ms === undefined)
      throw new InvalidArgumentError(
        `${flag} "${value}" is not a duration: write a number and a unit, e.g. 3s or 500ms (a bare number is ${bareUnit === 's' ? 'seconds' : 'milliseconds'})`,
      );
    return checkWith(flag, schema, ms);
  };

/** For help texts: "3s" for 3000. */
export const showDuration = (ms: number): string => formatDuration(ms);

export const regionOption = () =>
  new Option('-r, --region <region>', 'region id or name, e.g. cn-hangzhou or "China (Hangzhou)"').argParser(
    (value: string) => {
      if (value.trim() === '')
        throw new InvalidArgumentError(
          '--region is empty: give a region id such as cn-hangzhou, or its name',
        );
      return value;
    },
  );

export const CONFIG_FLAG_HELP =
  'config file (YAML or JSON); default: $MSE_WATCH_CONFIG, else ./mse-watch.yaml if there is one';

export const configOption = (description = CONFIG_FLAG_HELP) =>
  new Option('-c, --config <file>', description);

/** Options that say where the deployed function is; shared by `invoke` and `check --compare-with-function`. */
export const remoteOptionList = (): Option[] => [
  new Option(
    '--account-id <id>',
    'Alibaba Cloud account id (default: $ALIBABA_CLOUD_ACCOUNT_ID, else asked of STS for your credentials)',
  ),
  new Option(
    '--function-name <name>',
    'deployed function name (default: mse-watch-<function>, as in s.yaml)',
  ),
  new Option('--qualifier <q>', 'version or alias to invoke (default: LATEST)'),
  new Option('--endpoint <url>', 'FC endpoint (default: https://<account-id>.<region>.fc.aliyuncs.com)'),
];

/** `check --compare-with-function` and where the function is. */
export const compareOptions = (): Option[] => [
  new Option(
    '--compare-with-function',
    'also run the check in the deployed probe-endpoints function and explain the difference',
  ),
  ...remoteOptionList(),
];
