import { InvalidArgumentError, Option } from 'commander';

// Options and argument parsers more than one command uses, in one place.

export const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
};

export const regionOption = () =>
  new Option('-r, --region <region>', 'region id or name, e.g. cn-hangzhou or "China (Hangzhou)"');

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
