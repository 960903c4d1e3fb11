// deploy/kubernetes, checked against the Kubernetes API schemas shipped by the npm package
// kubernetes-models (generated from the Kubernetes OpenAPI spec; validators compiled with ajv), plus a
// strict unknown-field check through the TypeScript compiler and the same package's type definitions,
// the way `kubectl apply --validate=strict` refuses a misspelt field.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { interpolateEnv } from '../../shared/config/load.ts';
import { Config } from '../../shared/config/schema.ts';
import { HeartbeatConfig } from '../../shared/heartbeat/index.ts';

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Manifest = { file: string; doc: Record<string, unknown> & { apiVersion: string; kind: string } };

const files = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml'))
  .sort();
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
    return { file, doc: document.toJS() as Manifest['doc'] };
  }),
);
const resources = manifests.filter((m) => m.doc.kind !== 'Kustomization');

/** The model class (validator) and the interface name (for the compiler) of every kind we ship. */
const MODELS = {
  'v1/Namespace': { model: Namespace, type: 'INamespace', module: 'kubernetes-models/v1' },
  'v1/ConfigMap': { model: ConfigMap, type: 'IConfigMap', module: 'kubernetes-models/v1' },
  'v1/Secret': { model: Secret, type: 'ISecret', module: 'kubernetes-models/v1' },
  'v1/PersistentVolumeClaim': {
    model: PersistentVolumeClaim,
    type: 'IPersistentVolumeClaim',
    module: 'kubernetes-models/v1',
  },
  'v1/Service': { model: Service, type: 'IService', module: 'kubernetes-models/v1' },
  'apps/v1/Deployment': { model: Deployment, type: 'IDeployment', module: 'kubernetes-models/apps/v1' },
} as const;
type Key = keyof typeof MODELS;
const keyOf = (m: Manifest) => `${m.doc.apiVersion}/${m.doc.kind}` as Key;

const validate = (m: Manifest): string[] => {
  const entry = MODELS[keyOf(m)];
  if (!entry) return [`${m.file}: no schema for ${keyOf(m)}`];
  try {
    // biome-ignore lint/suspicious/noExplicitAny: each model takes its own kind's data
    new (entry.model as any)(m.doc).validate();
    return [];
  } catch (error) {
    return [`${m.file}: ${(error as Error).message}`];
  }
};

/**
 * Every manifest as a typed object literal in one in-memory TypeScript file: the compiler's excess
 * property check refuses any field the Kubernetes types do not have, at any depth.
 */
const unknownFields = (list: Manifest[]): string[] => {
  const virtual = join(ROOT, 'test/deploy/__manifests__.ts');
  const imports = [...new Set(list.map((m) => MODELS[keyOf(m)]))]
    .map((entry) => `import type { ${entry.type} } from '${entry.module}';`)
    .join('\n');
  const body = list
    .map(
      (m, i) =>
        `// ${m.file}\nexport const m${i}: ${MODELS[keyOf(m)].type} = ${JSON.stringify(m.doc, null, 1)};`,
    )
    .join('\n');
  const source = `${imports}\n${body}\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === virtual ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtual || fileExists(name);
  const program = ts.createProgram([virtual], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where =
      d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const line = source.split('\n')[where - 1]?.trim() ?? '';
    return `${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (at: ${line.slice(0, 80)})`;
  });
};

const find = <T>(kind: string): T => resources.find((m) => m.doc.kind === kind)?.doc as T;

describe('deploy/kubernetes', () => {
  it('ships the expected resources, every one in the mse-watch namespace', () => {
    expect(resources.map((m) => `${m.file}: ${m.doc.kind}`)).toStrictEqual([
      'configmap.yaml: ConfigMap',
      'deployment.yaml: Deployment',
      'namespace.yaml: Namespace',
      'pvc.yaml: PersistentVolumeClaim',
      'secret.example.yaml: Secret',
      'service.yaml: Service',
    ]);
    for (const m of resources) {
      const metadata = m.doc.metadata as { name: string; namespace?: string };
      if (m.doc.kind === 'Namespace') expect(metadata.name).toBe('mse-watch');
      else expect(metadata.namespace, m.file).toBe('mse-watch');
    }
  });

  it('every resource passes the Kubernetes API schema', () => {
    expect(resources.flatMap(validate)).toStrictEqual([]);
  });

  it('no resource has a field the Kubernetes API does not know (strict field validation)', () => {
    expect(unknownFields(resources)).toStrictEqual([]);
  }, 60_000);

  it('the checks really refuse: a wrong type, a missing required field, a misspelt field', () => {
    const deployment = resources.find((m) => m.doc.kind === 'Deployment')!;
    const broken = structuredClone(deployment.doc) as unknown as {
      spec: { replicas: unknown; selector?: unknown; template: { spec: Record<string, unknown> } };
    };
    broken.spec.replicas = 'one';
    expect(validate({ file: 'x', doc: broken as unknown as Manifest['doc'] }).join()).toContain('replicas');
    const noSelector = structuredClone(deployment.doc) as unknown as { spec: { selector?: unknown } };
    delete noSelector.spec.selector;
    expect(validate({ file: 'x', doc: noSelector as unknown as Manifest['doc'] }).join()).toContain(
      'selector',
    );
    const typo = structuredClone(deployment.doc) as unknown as {
      spec: { template: { spec: Record<string, unknown> } };
    };
    typo.spec.template.spec.securityContex = { runAsNonRoot: true };
    const errors = unknownFields([{ file: 'x', doc: typo as unknown as Manifest['doc'] }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /Object literal may only specify known properties, and '"securityContex"' does not exist in type 'IPodSpec'/,
    );
  }, 60_000);

  it('kustomization.yaml applies every resource but the example Secret', () => {
    const kustomization = manifests.find((m) => m.doc.kind === 'Kustomization')!.doc as unknown as {
      namespace: string;
      resources: string[];
    };
    expect(kustomization.namespace).toBe('mse-watch');
    expect([...kustomization.resources].sort()).toStrictEqual(
      files.filter((file) => !['kustomization.yaml', 'secret.example.yaml'].includes(file)),
    );
  });

  type Container = {
    args: string[];
    ports: Array<{ name: string; containerPort: number }>;
    envFrom: Array<{ secretRef: { name: string } }>;
    livenessProbe: { httpGet: { path: string; port: string } };
    readinessProbe: { tcpSocket: { port: string } };
    startupProbe: { httpGet: { path: string; port: string } };
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    securityContext: {
      allowPrivilegeEscalation: boolean;
      readOnlyRootFilesystem: boolean;
      capabilities: { drop: string[] };
    };
    volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  };
  type Pod = {
    securityContext: { runAsNonRoot: boolean; runAsUser: number; seccompProfile: { type: string } };
    automountServiceAccountToken: boolean;
    containers: Container[];
    volumes: Array<{
      name: string;
      configMap?: { name: string };
      persistentVolumeClaim?: { claimName: string };
      emptyDir?: object;
    }>;
  };
  const deployment = find<{
    spec: {
      replicas: number;
      strategy: { type: string };
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: Pod };
    };
  }>('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;

  it('the Deployment: one replica, never two at once, non-root and locked down, with limits', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(Object.keys(container.resources.limits).sort()).toStrictEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources.requests).sort()).toStrictEqual(['cpu', 'memory']);
  });

  it('probes /healthz on the served port; readiness only needs it listening, so /metrics stays scrapeable', () => {
    const port = container.ports.find((p) => p.name === 'http')!;
    expect(container.args).toStrictEqual([
      'serve',
      '--config',
      '/etc/mse-watch/mse-watch.yaml',
      '--listen',
      `0.0.0.0:${port.containerPort}`,
    ]);
    expect(container.livenessProbe.httpGet).toStrictEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet).toStrictEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.tcpSocket).toStrictEqual({ port: 'http' });
  });

  it('the Service selects the pod and exposes the port /metrics is on', () => {
    const service = find<{
      spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> };
      metadata: { annotations: Record<string, string> };
    }>('Service');
    expect(service.spec.selector).toStrictEqual(deployment.spec.template.metadata.labels);
    expect(deployment.spec.selector.matchLabels).toStrictEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0]?.targetPort).toBe('http');
    const port = container.ports.find((p) => p.name === 'http')!.containerPort;
    expect(service.metadata.annotations['prometheus.io/port']).toBe(String(port));
    expect(service.metadata.annotations['prometheus.io/path']).toBe('/metrics');
  });

  it('every volume, ConfigMap, Secret and claim the pod refers to exists', () => {
    const mounted = container.volumeMounts.map((m) => m.name).sort();
    expect(pod.volumes.map((v) => v.name).sort()).toStrictEqual(mounted);
    const configMap = pod.volumes.find((v) => v.configMap)!.configMap!.name;
    const claim = pod.volumes.find((v) => v.persistentVolumeClaim)!.persistentVolumeClaim!.claimName;
    expect(find<{ metadata: { name: string } }>('ConfigMap').metadata.name).toBe(configMap);
    expect(find<{ metadata: { name: string } }>('PersistentVolumeClaim').metadata.name).toBe(claim);
    expect(find<{ metadata: { name: string } }>('Secret').metadata.name).toBe(
      container.envFrom[0]?.secretRef.name,
    );
    expect(container.volumeMounts.find((m) => m.name === 'config')).toMatchObject({
      mountPath: '/etc/mse-watch',
      readOnly: true,
    });
  });

  it('the ConfigMap holds a valid mse-watch config whose secrets all come from the Secret, and whose state is on the volume', () => {
    const data = find<{ data: Record<string, string> }>('ConfigMap').data['mse-watch.yaml']!;
    const raw = parseAllDocuments(data)[0]!.toJS();
    const secret = find<{ stringData: Record<string, string> }>('Secret').stringData;
    const referenced = [...data.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]).sort();
    expect(referenced).toStrictEqual(Object.keys(secret).sort());
    // the config schema with the heartbeat line the lead adds (docs/service.md, "Integration")
    const schema = Config.extend({ heartbeat: HeartbeatConfig.optional() });
    const parsed = schema.safeParse(interpolateEnv(raw, secret));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    const state = container.volumeMounts.find((m) => m.name === 'state')!;
    expect(parsed.data?.state?.dir).toBe(state.mountPath);
  });
});
