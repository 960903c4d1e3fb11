import { diagnose, INTERCEPTION_CATEGORY } from '../../shared/diagnose/index.ts';
import type { Finding, ProbeRow } from '../../shared/report/schema.ts';
import { catalog, type Fail, run } from './support.ts';

// The examples docs/diagnosis.md prints, each rebuilt from its scenario: test/diagnose/docs.test.ts checks that
// the page shows exactly what the code says today.

const GOVERNANCE = ['100.100.27.5', '100.100.109.63', '100.100.27.223', '100.100.27.224'];

const extra = (
  status: ProbeRow['status'],
  error: ProbeRow['error'],
  over: Partial<ProbeRow> = {},
): ProbeRow => ({
  ip: 'mse-1a2b3c4d-nacos-ans.mse.aliyuncs.com',
  port: 8848,
  category: 'targets',
  required: true,
  status,
  latencyMs: 3.1,
  attempts: 2,
  name: 'our MSE Nacos',
  ...(error ? { error } : {}),
  ...over,
});

const regionExample = (region: string, fail: Fail, interception?: ProbeRow) => () =>
  run(region, fail, interception ? { interception } : {}).findings;

export const EXAMPLES: Record<string, () => Finding[]> = {
  'region-dropped': regionExample('cn-shanghai', () => 'timeout'),
  'region-no-route': regionExample('cn-shanghai', () => 'no-route'),
  'port-9848': regionExample('cn-shanghai', (_, port) => (port === 9848 ? 'timeout' : undefined)),
  'port-8080-9848': regionExample('cn-shanghai', (_, port) =>
    port === 8080 || port === 9848 ? 'timeout' : undefined,
  ),
  'port-zhangjiakou': regionExample('cn-zhangjiakou', (_, port) => (port === 9848 ? 'timeout' : undefined)),
  'port-icmp': regionExample('cn-shanghai', (_, port) => (port === 9848 ? 'admin-prohibited' : undefined)),
  'ip-missing': regionExample('cn-shanghai', (ip) => (ip === '100.100.27.224' ? 'timeout' : undefined)),
  'ip-missing-zhangjiakou': regionExample('cn-zhangjiakou', (ip) =>
    ip === '100.100.99.86' ? 'timeout' : undefined,
  ),
  'ip-refused': regionExample('cn-shanghai', (ip) => (ip === '100.103.16.41' ? 'refused' : undefined)),
  'ip-no-route': regionExample('cn-shanghai', (ip) => (ip === '100.103.16.41' ? 'no-route' : undefined)),
  'ips-partial': regionExample('cn-shanghai', (ip, port) =>
    ip === GOVERNANCE[0] && port === 9848 ? 'timeout' : undefined,
  ),
  'interference-reset': regionExample('cn-shanghai', (_, port) => (port === 80 ? 'reset' : undefined)),
  'interference-no-answer': regionExample('cn-shanghai', (ip) =>
    ip === '100.100.100.200' ? 'no-answer' : undefined,
  ),
  interception: regionExample(
    'cn-shanghai',
    (_, port) => (port === 80 || port === 8080 ? 'ok404' : undefined),
    {
      ip: '100.103.16.42',
      port: 9,
      category: INTERCEPTION_CATEGORY,
      required: true,
      status: 'ok',
      latencyMs: 0.3,
      connectMs: 0.3,
      attempts: 1,
      name: 'interception check',
    },
  ),
  'target-dns': () =>
    diagnose({
      catalog,
      region: null,
      includeArms: false,
      probes: [
        extra('dns', {
          code: 'ENOTFOUND',
          message: 'getaddrinfo ENOTFOUND mse-1a2b3c4d-nacos-ans.mse.aliyuncs.com',
        }),
      ],
    }).findings,
  'target-tls': () =>
    diagnose({
      catalog,
      region: null,
      includeArms: false,
      probes: [
        extra(
          'tls',
          { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' },
          { port: 443, name: 'our MSE Nacos (TLS)' },
        ),
      ],
    }).findings,
};

/** A finding as `mse-watch check` prints it (shared/report/text.ts, without colours). */
export const printed = (findings: readonly Finding[]): string =>
  findings
    .map((f) => `[${f.severity}] ${f.category}: ${f.symptom}\n  cause:  ${f.cause}\n  action: ${f.action}`)
    .join('\n\n');
