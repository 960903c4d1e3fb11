import credImport, { Config as CredentialConfig } from '@alicloud/credentials';

/**
 * CommonJS packages that set `exports.default`: Node's ESM loader hands over module.exports,
 * while esbuild and vitest honour __esModule and hand over exports.default. Accept both.
 */
export const cjsDefault = <T>(imported: T | { default: T }): T =>
  typeof imported === 'function' ? imported : (imported as { default: T }).default;

const Credential = cjsDefault<typeof credImport.default>(credImport);
type CredentialClient = InstanceType<typeof Credential>;

/**
 * Where the user's Alibaba Cloud credentials come from: keys in the environment first, otherwise the
 * default chain of @alicloud/credentials (CLI profile ~/.aliyun/config.json, credentials file, ECS RAM role, OIDC).
 */
export type CredentialSource =
  | { kind: 'static'; accessKeyId: string; accessKeySecret: string; securityToken?: string }
  | { kind: 'chain' };

export const credentialSourceFromEnv = (env: Record<string, string | undefined>): CredentialSource => {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (accessKeyId && accessKeySecret) {
    const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN;
    return { kind: 'static', accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
  }
  return { kind: 'chain' };
};

export const credentialClient = (source: CredentialSource): CredentialClient => {
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

/**
 * Keys handed over by the runtime (the FC context's `credentials`, the function role's STS keys) as a source;
 * without usable keys (a function without a role gets empty strings) the default chain is used.
 */
export const credentialSourceFromKeys = (
  keys: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined } | undefined,
): CredentialSource =>
  keys && keys.accessKeyId !== '' && keys.accessKeySecret !== ''
    ? {
        kind: 'static',
        accessKeyId: keys.accessKeyId,
        accessKeySecret: keys.accessKeySecret,
        ...(keys.securityToken ? { securityToken: keys.securityToken } : {}),
      }
    : { kind: 'chain' };
