import credImport, { Config as CredentialConfig } from '@alicloud/credentials';
import { MseWatchError } from '../util/errors.ts';
import type { CredentialSource } from './credential-source.ts';

export {
  type CredentialSource,
  credentialSourceFromEnv,
  credentialSourceFromKeys,
} from './credential-source.ts';

/**
 * CommonJS packages that set `exports.default`: Node's ESM loader hands over module.exports,
 * while esbuild and vitest honour __esModule and hand over exports.default. Accept both.
 */
export const cjsDefault = <T>(imported: T | { default: T }): T =>
  typeof imported === 'function' ? imported : (imported as { default: T }).default;

const Credential = cjsDefault<typeof credImport.default>(credImport);
type CredentialClient = InstanceType<typeof Credential>;

/**
 * No credentials could be had: the chain found none (no keys in the environment, no CLI profile, no role), or a
 * provider it tried failed. One line that says what to set; the chain's own account (one long sentence naming
 * every provider it tried) is the `cause`, for a --verbose line.
 */
export class NoCredentialsError extends MseWatchError {
  constructor(cause: unknown) {
    super(
      'no-credentials',
      'no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or configure a profile with `aliyun configure`',
      { cause },
    );
    this.name = 'NoCredentialsError';
  }
}

/** What the chain said when it found nothing, for a --verbose line (its text names no secret, only providers). */
export const credentialsChainText = (error: NoCredentialsError): string => {
  const cause = error.cause;
  return cause instanceof Error ? cause.message : String(cause);
};

/**
 * The SDKs ask the client before every request (`getCredential`); a failure there is the chain finding nothing,
 * raised here as NoCredentialsError so every caller (invoke, STS, the OpenAPI client) reports it the same way.
 */
const guarded = (client: CredentialClient): CredentialClient => {
  const getCredential = client.getCredential.bind(client);
  client.getCredential = async () => {
    try {
      return await getCredential();
    } catch (error) {
      throw new NoCredentialsError(error);
    }
  };
  return client;
};

export const credentialClient = (source: CredentialSource): CredentialClient => {
  let client: CredentialClient;
  try {
    client = unguardedClient(source);
  } catch (error) {
    // a client the SDK cannot even build (keys it will not take) is no credentials either
    throw new NoCredentialsError(error);
  }
  return guarded(client);
};

const unguardedClient = (source: CredentialSource): CredentialClient => {
  switch (source.kind) {
    case 'static':
      return new Credential(
        new CredentialConfig({
          type: source.securityToken ? 'sts' : 'access_key',
          accessKeyId: source.accessKeyId,
          accessKeySecret: source.accessKeySecret,
          ...(source.securityToken ? { securityToken: source.securityToken } : {}),
        }),
      );
    case 'chain':
      return new Credential();
    default: {
      const never: never = source;
      throw new Error(`unknown credential source ${JSON.stringify(never)}`);
    }
  }
};

/** For SDKs that ask before each request (STS keys from the chain expire and are refreshed). */
export const credentialProvider = (
  source: CredentialSource,
): (() => Promise<{ accessKeyId: string; accessKeySecret: string; securityToken?: string }>) => {
  const client = credentialClient(source);
  return async () => {
    const c = await client.getCredential();
    return {
      accessKeyId: c.accessKeyId ?? '',
      accessKeySecret: c.accessKeySecret ?? '',
      ...(c.securityToken ? { securityToken: c.securityToken } : {}),
    };
  };
};
