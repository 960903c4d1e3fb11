// Loaded by scripts/e2e/ns-agent.ts (`--ops`): the loopback OpenAPI fake (test/support/fake-openapi.ts), on
// 127.0.0.1 inside the namespace, so a check running there can read an MSE instance by id
// (`nacos: {instanceId}`) without anything leaving the namespace.
import type { AgentOps, AgentRequest } from '../../../scripts/e2e/ns-agent.ts';
import { type FakeOpenApi, type FakeOpenApiOptions, startFakeOpenApi } from '../../support/fake-openapi.ts';

let fake: FakeOpenApi | undefined;

export const ops: AgentOps['ops'] = {
  /** {options}: a fresh fake with these accounts, keys and clusters (replacing the previous one); its URL. */
  'openapi.start': async (request: AgentRequest) => {
    await fake?.close();
    fake = await startFakeOpenApi(request.options as FakeOpenApiOptions);
    return { url: fake.url };
  },
  /** The accepted calls so far: action and the instance asked for. */
  'openapi.calls': async () =>
    (fake?.requests ?? []).map((r) => ({
      action: r.action,
      status: r.status,
      instanceId: r.params.InstanceId,
    })),
};

export const close = async (): Promise<void> => {
  await fake?.close();
  fake = undefined;
};
