import { describe, expect, it } from 'vitest';
import { regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { diagnose } from '../../shared/diagnose/index.ts';
import type { Finding, FindingKind, ProbeRow } from '../../shared/report/schema.ts';
import { catalog, type Fail, rowsOf, run } from './support.ts';

// Table tests for the judgement (shared/diagnose): every rule of docs/diagnosis.md, pure, no mocks. Each case
// lists exactly the findings expected (kind, severity, category, endpoints) and phrases their words must and
// must not contain.

const verdicts = (regionId: string, fail: Fail, includeArms = false) =>
  Object.fromEntries(
    run(regionId, fail, { includeArms }).categories.map((c) => [
      c.category,
      `${c.verdict} ${c.reachable}/${c.total}`,
    ]),
  );

describe('verdicts per category', () => {
  it.each([
    {
      name: 'all reachable',
      fail: () => undefined,
      expected: {
        'basic-info': 'ok 2/2',
        'governance-rules': 'ok 12/12',
        diagnostics: 'ok 9/9',
        'arms-info': 'skipped 0/1',
      },
    },
    {
      name: 'one governance IP dropped on all its ports',
      fail: (ip: string) => (ip === '100.100.27.224' ? 'timeout' : undefined),
      expected: { 'governance-rules': 'partial 9/12', 'basic-info': 'ok 2/2' },
    },
    {
      name: 'diagnostics all refused',
      fail: (_: string, __: number, category: string) => (category === 'diagnostics' ? 'refused' : undefined),
      expected: { diagnostics: 'down 0/9', 'metrics-events': 'ok 1/1' },
    },
    {
      name: 'an HTTP 404 or 503 from an MSE endpoint is an answer: reachable',
      fail: (_: string, port: number) => (port === 80 ? 'ok404' : port === 8080 ? 'ok503' : undefined),
      expected: { diagnostics: 'ok 9/9', 'basic-info': 'ok 2/2', 'governance-rules': 'ok 12/12' },
    },
    {
      name: 'connected, then silent: not reachable',
      fail: (ip: string) => (ip === '100.100.100.200' ? 'no-answer' : undefined),
      expected: { 'agent-metadata': 'down 0/1' },
    },
  ] as const)('$name', ({ fail, expected }) => {
    expect(verdicts('cn-shanghai', fail as Fail)).toMatchObject(expected);
  });

  it('ARMS is skipped unless asked for, and judged when it is', () => {
    expect(verdicts('cn-shanghai', () => undefined)['arms-monitoring']).toBe('skipped 0/7');
    const armsDown: Fail = (_, __, c) => (c.startsWith('arms') ? 'timeout' : undefined);
    expect(verdicts('cn-shanghai', armsDown, true)['arms-monitoring']).toBe('down 0/7');
    expect(run('cn-shanghai', armsDown, { includeArms: true }).ok).toBe(false);
  });
});

type Expected = {
  kind: FindingKind;
  severity: Finding['severity'];
  category: string;
  /** Exactly these endpoints, in any order. */
  endpoints: string[];
  symptom?: RegExp[];
  cause?: RegExp[];
  action?: RegExp[];
  /** Must appear nowhere in symptom, cause or action. */
  never?: RegExp[];
};

type Case = { name: string; region?: string; includeArms?: boolean; fail: Fail; expected: Expected[] };

const at = (ips: string[], ports: number[]) => ips.flatMap((ip) => ports.map((port) => `${ip}:${port}`));
const SH_GOVERNANCE = ['100.100.27.5', '100.100.109.63', '100.100.27.223', '100.100.27.224'];
const SH_BASIC = ['100.103.16.42', '100.103.16.41'];
const SH_PORT80 = regionTargets(resolveRegion(catalog, 'cn-shanghai'), { includeArms: false })
  .filter((t) => t.port === 80)
  .map((t) => `${t.ip}:80`);
const ZJK_GOVERNANCE = '100.100.99.86';
const ALLOW_TCP = /allow outbound TCP/i;

const CASES: Case[] = [
  { name: 'nothing wrong: no finding', fail: () => undefined, expected: [] },
  {
    name: '9848 dropped on every governance IP (8848 opened, gRPC forgotten): one port finding naming gRPC',
    fail: (_, port) => (port === 9848 ? 'timeout' : undefined),
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(SH_GOVERNANCE, [9848]),
        symptom: [
          /^Nacos 2\.x\+ clients cannot connect or receive pushes/,
          /port 9848 \(Nacos 2\.x\+ gRPC\)/,
        ],
        cause: [
          /all 4 governance-rules IPs, while the same IPs answer on ports 8080 and 8848/,
          /classic mistake: 8848 opened/,
          /Nacos client version/,
          /Nacos 1\.x client/,
          /dropped \(timeout\)/,
        ],
        action: [
          /Allow outbound TCP 9848 to every governance-rules IP/,
          /firewall or security group that drops/,
        ],
      },
    ],
  },
  {
    name: '8080 and 9848 dropped everywhere, 8848 open: one finding per port, 8080 across both categories',
    fail: (_, port) => (port === 8080 || port === 9848 ? 'timeout' : undefined),
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'basic-info, governance-rules',
        endpoints: [...at(SH_BASIC, [8080]), ...at(SH_GOVERNANCE, [8080])],
        symptom: [
          /port 8080 \(basic information and governance-rule pulls\)/,
          /fails to start with a timeout error/,
        ],
        cause: [/all 6 basic-info and governance-rules IPs, while the same IPs answer on port 8848/],
      },
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(SH_GOVERNANCE, [9848]),
        symptom: [/Nacos 2\.x\+ clients/],
        cause: [/answer on port 8848/],
      },
    ],
  },
  {
    name: '8080 and 9848 dropped on the governance IPs only: the 8080 finding is the governance-rule pulls',
    fail: (ip, port) =>
      SH_GOVERNANCE.includes(ip) && (port === 8080 || port === 9848) ? 'timeout' : undefined,
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(SH_GOVERNANCE, [8080]),
        symptom: [/port 8080 \(governance-rule pulls\)/, /cannot pull governance rules/],
        never: [/basic information/],
      },
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(SH_GOVERNANCE, [9848]),
      },
    ],
  },
  {
    name: 'cn-zhangjiakou, single-IP governance category, 9848 dropped: a port finding, never "not all IPs"',
    region: 'cn-zhangjiakou',
    fail: (_, port) => (port === 9848 ? 'timeout' : undefined),
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: [`${ZJK_GOVERNANCE}:9848`],
        cause: [/the only governance-rules IP, while it answers on ports 8080 and 8848/],
        action: [new RegExp(`Allow outbound TCP 9848 to ${ZJK_GOVERNANCE}\\.`)],
        never: [/Not all IP/, /Intermittent/i, /picks among/],
      },
    ],
  },
  {
    name: 'cn-zhangjiakou, the single governance IP dropped on every port: that IP is missing, start-up fails',
    region: 'cn-zhangjiakou',
    fail: (ip) => (ip === ZJK_GOVERNANCE ? 'timeout' : undefined),
    expected: [
      {
        kind: 'ip-missing',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at([ZJK_GOVERNANCE], [8080, 8848, 9848]),
        symptom: [
          /^Application fails to start with a timeout error: the only governance-rules IP does not answer/,
        ],
        cause: [new RegExp(`^${ZJK_GOVERNANCE} is missing from the allowlist`)],
        never: [/Not all IP/, /Intermittent/i],
      },
    ],
  },
  {
    name: 'cn-zhangjiakou, 8080 and 9848 dropped, 8848 open',
    region: 'cn-zhangjiakou',
    fail: (_, port) => (port === 8080 || port === 9848 ? 'timeout' : undefined),
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'basic-info, governance-rules',
        endpoints: at(['100.100.2.86', '100.100.2.85', ZJK_GOVERNANCE], [8080]),
      },
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: [`${ZJK_GOVERNANCE}:9848`],
      },
    ],
  },
  {
    name: 'one IP dropped on every port (the demo): ONE finding, that IP is missing from the allowlist',
    fail: (ip) => (ip === '100.100.27.224' ? 'timeout' : undefined),
    expected: [
      {
        kind: 'ip-missing',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(['100.100.27.224'], [8080, 8848, 9848]),
        symptom: [
          /^Application fails to start with a timeout error whenever the agent picks 100\.100\.27\.224 \(1 of 4 governance-rules IPs\)/,
          /intermittent connectivity failures/,
        ],
        cause: [
          /^100\.100\.27\.224 is missing from the allowlist/,
          /while the other 3 governance-rules IPs answer/,
        ],
        action: [
          /^Add 100\.100\.27\.224 \(TCP 8080, 8848 and 9848\) to the allowlist/,
          /not just the first one/,
        ],
        // no repetition of what the endpoint list already says
        never: [/100\.100\.27\.224:\d/, /\(ports 8080, 8848, 9848\)/],
      },
    ],
  },
  {
    name: 'one IP refused on its only port: the symptom is not "timeout error"',
    fail: (ip) => (ip === '100.103.16.41' ? 'refused' : undefined),
    expected: [
      {
        kind: 'ip-missing',
        severity: 'critical',
        category: 'basic-info',
        endpoints: ['100.103.16.41:8080'],
        symptom: [/"connection refused" error/],
        cause: [/rejected \(refused\)/, /nothing listens/],
        action: [/REJECT rule/],
        never: [/timeout error/, /dropped/],
      },
    ],
  },
  {
    name: 'one IP not allowed on 9848 while the other IPs are: not all IPs of the category are allowed on that port',
    fail: (ip, port) => (ip === '100.100.27.5' && port === 9848 ? 'timeout' : undefined),
    expected: [
      {
        kind: 'ips-partial',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: ['100.100.27.5:9848'],
        symptom: [
          /^Intermittent connectivity failures: on port 9848 \(Nacos 2\.x\+ gRPC\), 1 of 4 governance-rules IPs does not answer/,
        ],
        cause: [
          /^Not all IP addresses for a category are allowed on port 9848/,
          /3 other governance-rules IPs answer on 9848/,
        ],
        action: [/^Allow TCP 9848 to 100\.100\.27\.5 as well/],
      },
    ],
  },
  {
    name: '9848 blocked everywhere and one IP missing entirely: two root causes, two findings',
    fail: (ip, port) => (ip === '100.100.27.224' || port === 9848 ? 'timeout' : undefined),
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(SH_GOVERNANCE, [9848]),
      },
      {
        kind: 'ip-missing',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(['100.100.27.224'], [8080, 8848, 9848]),
      },
    ],
  },
  {
    name: 'three diagnostics IPs (two dropped, one refused): one finding, each reason named',
    fail: (ip) =>
      ['100.100.140.3', '100.100.140.4'].includes(ip)
        ? 'timeout'
        : ip === '100.100.119.193'
          ? 'refused'
          : undefined,
    expected: [
      {
        kind: 'ip-missing',
        severity: 'warning',
        category: 'diagnostics',
        endpoints: ['100.100.140.3:80', '100.100.140.4:80', '100.100.119.193:80'],
        symptom: [
          /^Intermittent connectivity failures: 3 of 9 diagnostics IPs do not answer, so some diagnostic reports are lost/,
        ],
        cause: [
          /fail in 2 ways: 2 endpoints dropped \(timeout\).*; 1 endpoint \(100\.100\.119\.193:80\) rejected \(refused\)/,
        ],
        action: [
          /For the timeout ones, act in the firewall or security group/,
          /For the refused ones, act in the firewall that rejects/,
        ],
      },
    ],
  },
  {
    name: 'the whole governance category gone (three dropped, one not routed): one finding for the category',
    fail: (ip, _, c) =>
      c === 'governance-rules' ? (ip === '100.100.27.5' ? 'no-route' : 'timeout') : undefined,
    expected: [
      {
        kind: 'ip-missing',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(SH_GOVERNANCE, [8080, 8848, 9848]),
        symptom: [
          /^Application fails to start with a timeout error: none of the 4 governance-rules IPs answers on any port/,
        ],
        cause: [
          /9 endpoints dropped \(timeout\)/,
          /3 endpoints \(100\.100\.27\.5 \(every port\)\) unreachable \(ENETUNREACH/,
        ],
        action: [/For the unreachable \(no route\) ones, act on the route/, /ip route get 100\.100\.27\.5/],
      },
    ],
  },
  {
    name: 'port 80 dropped for every MSE address that uses it: one port finding across three categories',
    fail: (_, port) => (port === 80 ? 'timeout' : undefined),
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'agent-metadata, metrics-events, diagnostics',
        endpoints: SH_PORT80,
        symptom: [/port 80 \(agent metadata, metric and event reports and diagnostic reports\)/],
      },
    ],
  },
  {
    name: 'the agent-metadata address missing: a start-up finding although the page has no row for it',
    fail: (_, __, c) => (c === 'agent-metadata' ? 'timeout' : undefined),
    expected: [
      {
        kind: 'ip-missing',
        severity: 'critical',
        category: 'agent-metadata',
        endpoints: ['100.100.100.200:80'],
        symptom: [/start-up/],
      },
    ],
  },
  {
    name: 'everything dropped: one region-wide finding worded from the dominant reason (a firewall), not "no route"',
    fail: () => 'timeout',
    expected: [
      {
        kind: 'region-down',
        severity: 'critical',
        category: 'all',
        endpoints: rowsOf('cn-shanghai', () => undefined).map((r) => `${r.ip}:${r.port}`),
        symptom: [
          /^Nothing in China \(Shanghai\) \(cn-shanghai\) is reachable: a firewall drops every connection/,
        ],
        cause: [/All 25 endpoints fail \(timeout ×25\)/],
        action: [/would fail at once, not time out/],
        never: [/no route/i, /VPN/],
      },
    ],
  },
  {
    name: 'no route at all: the region-wide finding says no route, and how to check it',
    fail: () => 'no-route',
    expected: [
      {
        kind: 'region-down',
        severity: 'critical',
        category: 'all',
        endpoints: rowsOf('cn-shanghai', () => undefined).map((r) => `${r.ip}:${r.port}`),
        symptom: [/this host has no route to the region's MSE endpoints/],
        cause: [/ENETUNREACH/],
        action: [/ip route get 100\.103\.16\.42/, /Express Connect or CEN/],
        never: [/firewall drops/],
      },
    ],
  },
  {
    name: 'everything rejected with ICMP admin-prohibited: a firewall rejects, with how to find it',
    fail: () => 'admin-prohibited',
    expected: [
      {
        kind: 'region-down',
        severity: 'critical',
        category: 'all',
        endpoints: rowsOf('cn-shanghai', () => undefined).map((r) => `${r.ip}:${r.port}`),
        symptom: [/a firewall rejects every connection .* with ICMP/],
        cause: [/admin-prohibited or host-prohibited/, /firewalld/],
        action: [
          /traceroute -T -p 8080 100\.103\.16\.42/,
          /!X/,
          /shows a route, so the routing is not the problem/,
        ],
      },
    ],
  },
  {
    name: 'everything refused: rejected, not dropped, not a timeout',
    fail: () => 'refused',
    expected: [
      {
        kind: 'region-down',
        severity: 'critical',
        category: 'all',
        endpoints: rowsOf('cn-shanghai', () => undefined).map((r) => `${r.ip}:${r.port}`),
        symptom: [/every connection to the region's MSE endpoints is rejected/],
        never: [/timeout/, /no route/i],
      },
    ],
  },
  {
    name: '9848 rejected with ICMP on every governance IP: the port finding tells an ICMP reject from a missing route',
    fail: (_, port) => (port === 9848 ? 'admin-prohibited' : undefined),
    expected: [
      {
        kind: 'port-blocked',
        severity: 'critical',
        category: 'governance-rules',
        endpoints: at(SH_GOVERNANCE, [9848]),
        symptom: [/"no route to host" or "network is unreachable" error|Nacos 2\.x\+ clients/],
        cause: [/rejected with ICMP \(EHOSTUNREACH/, /admin-prohibited or host-prohibited/],
        action: [/ip route get 100\.100\.27\.5` shows a route/, /traceroute -T -p 9848 100\.100\.27\.5/],
      },
    ],
  },
  {
    name: 'one IP with no route while the others answer: missing from the routes, not from the allowlist',
    fail: (ip) => (ip === '100.103.16.41' ? 'no-route' : undefined),
    expected: [
      {
        kind: 'ip-missing',
        severity: 'critical',
        category: 'basic-info',
        endpoints: ['100.103.16.41:8080'],
        cause: [/missing from this network's routes/],
        action: [/^Make 100\.103\.16\.41 reachable/, /ip route get 100\.103\.16\.41/],
        never: [/missing from the allowlist/],
      },
    ],
  },
  {
    name: 'two diagnostics IPs rejected with ICMP, one without a route: each origin its own words and action',
    fail: (ip) =>
      ['100.100.140.3', '100.100.140.4'].includes(ip)
        ? 'admin-prohibited'
        : ip === '100.100.119.193'
          ? 'no-route'
          : undefined,
    expected: [
      {
        kind: 'ip-missing',
        severity: 'warning',
        category: 'diagnostics',
        endpoints: ['100.100.140.3:80', '100.100.140.4:80', '100.100.119.193:80'],
        cause: [
          /missing from the allowlist of a firewall that rejects with ICMP/,
          /2 endpoints rejected with ICMP \(EHOSTUNREACH/,
          /1 endpoint \(100\.100\.119\.193:80\) unreachable \(ENETUNREACH/,
        ],
        action: [
          /For the ICMP-rejected ones, act on the firewall that rejects it: `ip route get 100\.100\.140\.3` shows a route/,
          /For the unreachable \(no route\) ones, act on the route: .*`ip route get 100\.100\.119\.193`/,
        ],
      },
    ],
  },
  {
    name: 'reset after the handshake on port 80: a proxy or inspection device, act there, not "allow outbound TCP"',
    fail: (_, port) => (port === 80 ? 'reset' : undefined),
    expected: [
      {
        kind: 'interference',
        severity: 'critical',
        category: 'agent-metadata, metrics-events, diagnostics',
        endpoints: SH_PORT80,
        symptom: [/connections to port 80 .* open, then are reset/],
        cause: [
          /All 11 .* endpoints on port 80/,
          /proxy or an inspection device/,
          /allowlist is not the problem/,
        ],
        action: [/proxy or inspection device that resets it, not on the firewall/],
        never: [ALLOW_TCP],
      },
    ],
  },
  {
    name: 'an HTTP endpoint that accepts and never answers: its own finding',
    fail: (ip) => (ip === '100.100.100.200' ? 'no-answer' : undefined),
    expected: [
      {
        kind: 'interference',
        severity: 'critical',
        category: 'agent-metadata',
        endpoints: ['100.100.100.200:80'],
        symptom: [/open, but the HTTP request is never answered/],
        cause: [/The only agent-metadata endpoint on port 80/, /silent after they opened/],
        action: [/curl -v --max-time 5 http:\/\/100\.100\.100\.200:80\//],
        never: [ALLOW_TCP],
      },
    ],
  },
  {
    name: 'ARMS blocked when asked for: ARMS data is missing, and the rules command includes --include-arms',
    includeArms: true,
    fail: (_, __, c) => (c === 'arms-info' ? 'timeout' : undefined),
    expected: [
      {
        kind: 'ip-missing',
        severity: 'warning',
        category: 'arms-info',
        endpoints: ['139.224.101.69:80'],
        symptom: [/^ARMS monitoring data is missing/],
        action: [/--include-arms/],
      },
    ],
  },
];

const texts = (finding: Finding) => [finding.symptom, finding.cause, finding.action].join('\n');

describe('findings: one per root cause, in its own words', () => {
  it.each(CASES)('$name', ({ region = 'cn-shanghai', includeArms, fail, expected }) => {
    const d = run(region, fail, { includeArms: includeArms ?? false });
    expect(d.ok).toBe(expected.length === 0);
    expect(
      d.findings.map((f) => ({
        kind: f.kind,
        severity: f.severity,
        category: f.category,
        endpoints: [...f.endpoints].sort(),
      })),
    ).toEqual(
      expected.map((e) => ({
        kind: e.kind,
        severity: e.severity,
        category: e.category,
        endpoints: [...e.endpoints].sort(),
      })),
    );
    d.findings.forEach((finding, index) => {
      const want = expected[index] as Expected;
      for (const pattern of want.symptom ?? []) expect(finding.symptom).toMatch(pattern);
      for (const pattern of want.cause ?? []) expect(finding.cause).toMatch(pattern);
      for (const pattern of want.action ?? []) expect(finding.action).toMatch(pattern);
      for (const pattern of want.never ?? []) expect(texts(finding)).not.toMatch(pattern);
    });
  });

  it.each(
    CASES.filter((c) => c.expected.length > 0),
  )('every failed endpoint is in a finding, no two findings name the same endpoints: $name', ({
    region = 'cn-shanghai',
    includeArms,
    fail,
  }) => {
    const d = run(region, fail, { includeArms: includeArms ?? false });
    const failed = rowsOf(region, fail, includeArms).filter((r) => r.status !== 'ok');
    const named = new Set(d.findings.flatMap((f) => f.endpoints));
    for (const row of failed) expect(named).toContain(`${row.ip}:${row.port}`);
    const sets = d.findings.map((f) => [...f.endpoints].sort().join(' '));
    expect(new Set(sets).size).toBe(sets.length);
    // every region finding carries its kind and dominant reason for machines (notices, saved searches)
    for (const finding of d.findings) expect(finding.reason).toBeDefined();
  });

  it('4xx and 5xx answers from MSE HTTP endpoints stay reachable: no finding, status kept on the row', () => {
    const fail: Fail = (_, port) => (port === 80 ? 'ok404' : port === 8080 ? 'ok503' : undefined);
    const d = run('cn-shanghai', fail);
    expect(d.ok).toBe(true);
    expect(d.findings).toEqual([]);
    expect(rowsOf('cn-shanghai', fail).find((r) => r.port === 80)?.httpStatus).toBe(404);
  });

  it('findings come most severe first, the widest cause first within a severity', () => {
    const d = run('cn-shanghai', (ip, port) =>
      ip === '100.100.140.3'
        ? 'timeout'
        : port === 9848
          ? 'timeout'
          : ip === '100.100.27.5'
            ? 'timeout'
            : undefined,
    );
    expect(d.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual([
      'critical port-blocked',
      'critical ip-missing',
      'warning ip-missing',
    ]);
  });
});

describe('extra targets: each failure reason its own cause and action', () => {
  const extra = (status: ProbeRow['status'], over: Partial<ProbeRow> = {}): ProbeRow => ({
    ip: 'mse-abc-nacos-ans.mse.aliyuncs.com',
    port: 8848,
    category: 'targets',
    required: true,
    status,
    latencyMs: 1,
    attempts: 2,
    name: 'my nacos',
    ...over,
  });
  const only = (row: ProbeRow) => diagnose({ catalog, region: null, includeArms: false, probes: [row] });

  it.each([
    {
      status: 'dns' as const,
      error: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND mse-abc-nacos-ans.mse.aliyuncs.com' },
      symptom: /does not resolve from this host/,
      cause: /^Not resolved.*ENOTFOUND/,
      action: /resolver this host uses \(`getent hosts mse-abc-nacos-ans\.mse\.aliyuncs\.com`/,
      allow: false,
    },
    {
      status: 'tls' as const,
      error: { code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' },
      symptom: /the TLS handshake fails/,
      cause: /TLS-inspecting proxy.*CERT_HAS_EXPIRED/,
      action: /openssl s_client -connect mse-abc-nacos-ans\.mse\.aliyuncs\.com:8848/,
      allow: false,
    },
    {
      status: 'http-status' as const,
      error: { code: 'HTTP_503', message: 'HTTP 503, expected 200' },
      httpStatus: 503,
      symptom: /answers HTTP 503/,
      cause: /HTTP status the target does not accept/,
      action: /on the service, not the network/,
      allow: false,
    },
    {
      status: 'reset' as const,
      error: { code: 'ECONNRESET', message: 'read ECONNRESET' },
      symptom: /reset after they open/,
      cause: /proxy or an inspection device/,
      action: /not on the firewall/,
      allow: false,
    },
    {
      status: 'timeout' as const,
      error: { code: 'ETIMEDOUT', message: 'no TCP handshake within 3000 ms' },
      symptom: /is unreachable from this host/,
      cause: /^Dropped \(timeout\)/,
      action: /^Allow outbound TCP 8848 to mse-abc/,
      allow: true,
    },
    {
      status: 'unreachable' as const,
      error: { code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH 10.0.0.1:8848' },
      symptom: /is unreachable from this host/,
      cause: /^Rejected with ICMP/,
      action: /traceroute -T -p 8848/,
      allow: false,
    },
  ])('$status', ({ status, error, httpStatus, symptom, cause, action, allow }) => {
    const d = only(extra(status, { error, ...(httpStatus ? { httpStatus } : {}) }));
    expect(d.ok).toBe(false);
    expect(d.findings).toHaveLength(1);
    const finding = d.findings[0] as Finding;
    expect(finding).toMatchObject({
      kind: 'target',
      reason: status,
      severity: 'critical',
      category: 'targets',
    });
    expect(finding.symptom).toMatch(symptom);
    expect(finding.cause).toMatch(cause);
    expect(finding.action).toMatch(action);
    if (!allow) expect(finding.action).not.toMatch(ALLOW_TCP);
  });

  it('a failing required target is critical and breaks ok; an optional one does not', () => {
    const required = only(extra('dns'));
    expect(required.categories).toEqual([{ category: 'targets', verdict: 'down', reachable: 0, total: 1 }]);
    const optional = only(extra('dns', { required: false }));
    expect(optional.ok).toBe(true);
    expect(optional.findings[0]?.severity).toBe('warning');
  });
});
