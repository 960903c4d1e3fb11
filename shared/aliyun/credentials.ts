import credImport, { Config as CredentialConfig } from '@alicloud/credentials';
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
