import { groupedName, type InstanceKey, type ServiceKey } from './types.ts';

// What the v1 and v3 naming APIs agree on: the signature scope and the parameters that name and describe an
// instance. They differ in one thing only, the namespace: v1 leaves it out for public, v3 sends it always.

export const namingSign = (service: ServiceKey) => ({
  kind: 'naming' as const,
  groupedServiceName: groupedName(service),
});

/** The parameters that name one instance: register and deregister must agree on them exactly. */
export const instanceParams = (
  service: ServiceKey,
  instance: InstanceKey,
  namespace: { omitPublic: boolean },
) => ({
  namespaceId: namespace.omitPublic ? service.namespace || undefined : service.namespace,
  groupName: service.group,
  serviceName: service.service,
  ip: instance.ip,
  port: String(instance.port),
  ephemeral: String(instance.ephemeral),
});

/** What a canary registration says of itself beside its name: healthy, enabled, weight 1, its metadata. */
export const registrationParams = (metadata: Record<string, string>) => ({
  weight: '1',
  enabled: 'true',
  healthy: 'true',
  metadata: JSON.stringify(metadata),
});
