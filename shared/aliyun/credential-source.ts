// Where Alibaba Cloud credentials come from, as data. No SDK here: the shells decide the source (the
// environment, the FC context) without loading the credentials client, which only the calls themselves need.

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
