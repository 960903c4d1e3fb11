import { createHmac } from 'node:crypto';

// MSE RAM authentication ("Spas"), as the official Nacos clients sign (nacos-config aliyun_auth,
// nacos-naming util/aliyun_auth, the Java client's SpasAdapter). Shared by the check and the test server.

export const hmacSha1Base64 = (data: string, secret: string): string =>
  createHmac('sha1', secret).update(data, 'utf8').digest('base64');

/** Config APIs sign `tenant+group`, or whichever of the two is set. */
export const configSignResource = (tenant: string, group: string): string => {
  if (tenant && group) return `${tenant}+${group}`;
  if (group) return group;
  return tenant;
};

export const configSignHeaders = (
  keys: { accessKey: string; secretKey: string },
  resource: { tenant: string; group: string },
  timestamp: string,
): Record<string, string> => {
  const signed = configSignResource(resource.tenant, resource.group);
  return {
    'Spas-AccessKey': keys.accessKey,
    timeStamp: timestamp,
    'Spas-Signature': hmacSha1Base64(signed ? `${signed}+${timestamp}` : timestamp, keys.secretKey),
  };
};

/** Naming APIs sign `timestamp@@group@@service` and pass it as the `data` parameter. */
export const namingSignParams = (
  keys: { accessKey: string; secretKey: string },
  groupedServiceName: string,
  timestamp: string,
): Record<string, string> => {
  const data = groupedServiceName ? `${timestamp}@@${groupedServiceName}` : timestamp;
  return { ak: keys.accessKey, data, signature: hmacSha1Base64(data, keys.secretKey) };
};
