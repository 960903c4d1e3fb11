import { vi } from 'vitest';

// The @alicloud/credentials default chain reads the PROCESS environment and $HOME (not the environment a test
// hands the CLI), and without keys it asks the ECS metadata service at 100.100.100.200. Tests always give keys
// (the `static` source, or an FC context's); a test that means to see "no credentials" makes the chain
// hermetic with this first, so it finds nothing and sends nothing: the network guard is the last line, not the
// plan.

const CHAIN_VARIABLES = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'ALIBABA_CLOUD_PROFILE',
  'ALIBABA_CLOUD_CREDENTIALS_FILE',
  'ALIBABA_CLOUD_CREDENTIALS_URI',
  'ALIBABA_CLOUD_ECS_METADATA',
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
];

/**
 * No keys, no profile (HOME is `home`, an empty directory), no OIDC, and the metadata service off. The chain's
 * URI provider is always there and, with no ALIBABA_CLOUD_CREDENTIALS_URI, fetches `https://undefined/` (a DNS
 * lookup of "undefined"): it is pointed at a closed loopback port instead.
 */
export const stubEmptyCredentialsChain = (home: string, closedPort: number): void => {
  for (const name of CHAIN_VARIABLES) vi.stubEnv(name, undefined);
  vi.stubEnv('ALIBABA_CLOUD_CREDENTIALS_URI', `http://127.0.0.1:${closedPort}/`);
  vi.stubEnv('HOME', home);
  vi.stubEnv('ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'true');
  vi.stubEnv('ALIBABA_CLOUD_CLI_PROFILE_DISABLED', 'true');
};
