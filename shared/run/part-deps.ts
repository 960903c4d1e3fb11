import type { CredentialSource } from '../aliyun/credential-source.ts';
import type { Catalog } from '../catalog/index.ts';
import type { NacosDeps } from '../nacos/context.ts';

/**
 * What the parts a run loads on demand (the cloud-side audit, the Nacos part) take from the run's deps: a
 * structural subset of `RunDeps` (run.ts), declared here so those parts do not import the module that loads
 * them.
 */
export type PartDeps = {
  catalog?: Catalog;
  clock?: { wall(): Date };
  nacos?: Partial<NacosDeps>;
  credentials?: CredentialSource;
  openApiEndpoint?: string;
};
