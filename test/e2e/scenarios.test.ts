import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Fault } from '../../scripts/e2e/fault-rules.ts';
import type { Finding } from '../../shared/report/schema.ts';
import { describeInVpc } from './support/skip.ts';
import {
  type ConfigOptions,
  createWorld,
  leakedSecrets,
  NACOS,
  NACOS_SERVER,
  type Notices,
  REGION,
  type World,
  webhookEvents,
} from './support/world.ts';

// The whole product on cn-shanghai's real catalog addresses, inside a VPC in a box: every scenario runs once
// through the real CLI (`mse-watch check --config … --json`) and once through the bundled FC handler called
// FC-style, each with its own alert state. Each run asserts the diagnosis, the exit code (CLI) or the summary
// (FC), and exactly which notices reached the DingTalk and webhook receivers.

type Mode = 'cli' | 'fc';

/** What both entry points must agree on. */
type Outcome = {
  exitCode: number | null;
  ok: boolean;
  /** "ip:port status", sorted. */
  failed: string[];
  /** "severity category", sorted and de-duplicated. */
  findings: string[];
  /** Every endpoint named by a finding, sorted and de-duplicated. */
  findingEndpoints: string[];
  /** The endpoint findings themselves, as both entry points return them. */
  details: Finding[];
  /** "ip:port" → the OS error code of each failed probe. */
  codes: Record<string, string | undefined>;
  /** The interception check's verdict (CLI only: the FC summary carries its finding, not the check). */
  interception?: string;
  /** "ip:port" → HTTP status of every probe that got one (CLI only). */
  httpStatuses?: Record<string, number>;
  /** "severity step symptom" of the Nacos findings: the CLI and the functions report the same ones. */
  nacosFindings: string[];
  /** category -> "verdict reachable/total" (CLI only: the FC summary is compact). */
  categories?: Record<string, string>;
  nacosSteps?: Record<string, string>;
  /** What alerting said it did; shown when a notice assertion fails. */
  alerts: unknown;
  text: string;
};

const sortedUnique = (values: string[]) => [...new Set(values)].sort();

const nacosFindingsOf = (findings: Array<{ severity: string; category: string; symptom: string }>) =>
  sortedUnique(findings.filter((f) => f.category === 'nacos').map((f) => `${f.severity} ${f.symptom}`));

/** FC-style, each check runs in its own function: probe-endpoints, or probe-nacos for the Nacos scenarios. */
const run = async (
  world: World,
  mode: Mode,
  config: string,
  fn: 'endpoints' | 'nacos' = 'endpoints',
): Promise<Outcome> => {
  if (mode === 'cli') {
    const { code, report, stdout, stderr } = await world.cli(config);
    const endpointFindings = report.findings.filter((f) => f.category !== 'nacos');
    return {
      exitCode: code,
      ok: report.ok && (report.nacos?.ok ?? true),
      failed: sortedUnique(
        report.probes.filter((p) => p.status !== 'ok').map((p) => `${p.ip}:${p.port} ${p.status}`),
      ),
      findings: sortedUnique(endpointFindings.map((f) => `${f.severity} ${f.category}`)),
      findingEndpoints: sortedUnique(endpointFindings.flatMap((f) => f.endpoints)),
      details: endpointFindings,
      codes: Object.fromEntries(
        report.probes.filter((p) => p.status !== 'ok').map((p) => [`${p.ip}:${p.port}`, p.error?.code]),
      ),
      ...(report.interception ? { interception: report.interception.verdict } : {}),
      httpStatuses: Object.fromEntries(
        report.probes.flatMap((p) =>
          p.httpStatus === undefined ? [] : [[`${p.ip}:${p.port}`, p.httpStatus]],
        ),
      ),
      nacosFindings: nacosFindingsOf(report.findings),
      categories: Object.fromEntries(
        report.categories.map((c) => [c.category, `${c.verdict} ${c.reachable}/${c.total}`]),
      ),
      ...(report.nacos
        ? { nacosSteps: Object.fromEntries(report.nacos.steps.map((s) => [s.name, s.status])) }
        : {}),
      alerts: report.alerts,
      text: stdout + stderr,
    };
  }
  const { code, summary, logs, stdout, stderr } = await world.fc(fn, config);
  expect(code).toBe(0);
  // what FC ships to the logstore: one run record agreeing with the returned summary
  const runs = logs.filter((line) => line.kind === 'run');
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ ok: summary.ok, runId: summary.runId, origin: 'fc' });
  const endpointFindings = summary.findings.filter((f) => f.category !== 'nacos');
  return {
    exitCode: summary.ok ? 0 : 1,
    ok: summary.ok,
    failed: sortedUnique(summary.failed.map((p) => `${p.ip}:${p.port} ${p.status}`)),
    findings: sortedUnique(endpointFindings.map((f) => `${f.severity} ${f.category}`)),
    findingEndpoints: sortedUnique(endpointFindings.flatMap((f) => f.endpoints)),
    details: endpointFindings,
    codes: Object.fromEntries(summary.failed.map((p) => [`${p.ip}:${p.port}`, p.errorCode])),
    nacosFindings: nacosFindingsOf(summary.findings),
    ...(summary.nacos
      ? { nacosSteps: Object.fromEntries(summary.nacos.steps.map((s) => [s.name, s.status])) }
      : {}),
    alerts: summary.alerts,
    text: stdout + stderr,
  };
};

const healthyCategories = {
  'basic-info': 'ok 2/2',
  'governance-rules': 'ok 12/12',
  'agent-metadata': 'ok 1/1',
  'metrics-events': 'ok 1/1',
  diagnostics: 'ok 9/9',
  'arms-monitoring': 'skipped 0/7',
  'arms-info': 'skipped 0/1',
};

const dropAll = (ips: readonly string[]): Fault[] => ips.map((ip) => ({ action: 'drop', ip }));

const governanceIps = (world: World): string[] => [
  ...new Set(world.fixture.targets.filter((t) => t.category === 'governance-rules').map((t) => t.ip)),
];

/** Every word of every endpoint finding, for what must appear nowhere. */
const texts = (outcome: Outcome): string =>
  outcome.details.map((f) => `${f.symptom}\n${f.cause}\n${f.action}`).join('\n');

const key = (endpoint: string) => `${REGION}/${endpoint}`;

/** Asserts the receivers got exactly these webhook events and one DingTalk message per webhook notice. */
const expectNotices = (notices: Notices, events: string[]) => {
  expect(webhookEvents(notices.webhook)).toEqual([...events].sort());
  expect(notices.webhook.requests.filter((r) => r.rejected)).toEqual([]);
  expect(notices.dingtalk.requests.filter((r) => r.rejected)).toEqual([]);
  expect(notices.dingtalk.messages).toHaveLength(notices.webhook.messages.length);
};

describeInVpc('mse-watch end to end in a VPC in a box', () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld('e2e scenarios, cn-shanghai');
  });
  afterAll(async () => {
    await world?.destroy();
  });
  beforeEach(async () => {
    await world.reset();
  });

  for (const mode of ['cli', 'fc'] as const) {
    const config = (options: ConfigOptions) =>
      world.config({ ...options, state: `${mode}-${options.state}` });

    it(`[${mode}] all healthy: exit 0, every required category ok, no notice`, async () => {
      const file = await config({ state: 'healthy', nacos: true });
      const outcome = await run(world, mode, file);
      expect(outcome).toMatchObject({
        exitCode: 0,
        ok: true,
        failed: [],
        findings: [],
        findingEndpoints: [],
      });
      if (mode === 'cli') {
        expect(outcome.categories).toEqual(healthyCategories);
        // the interception check ran on 100.103.16.42:9, where nothing listens: refused, so the path is clean
        expect(outcome.interception).toBe('clear');
      }
      expectNotices(await world.notices(), []);
      expect(leakedSecrets(outcome.text)).toEqual([]);
    });

    it(`[${mode}] partial allowlist: 3 of 9 diagnostics IPs blocked (two dropped, one rejected)`, async () => {
      const dropped = ['100.100.140.3', '100.100.140.4'];
      const rejected = '100.100.119.193';
      await world.setFaults([...dropAll(dropped), { action: 'reject', ip: rejected, port: 80 }]);
      const outcome = await run(world, mode, await config({ state: 'partial' }));
      const endpoints = [...dropped, rejected].map((ip) => `${ip}:80`).sort();
      expect(outcome).toMatchObject({
        exitCode: 1,
        ok: false,
        failed: [...dropped.map((ip) => `${ip}:80 timeout`), `${rejected}:80 refused`].sort(),
        findingEndpoints: endpoints,
      });
      expect(outcome.findings.every((f) => f.endsWith(' diagnostics'))).toBe(true);
      if (mode === 'cli') {
        expect(outcome.categories).toEqual({ ...healthyCategories, diagnostics: 'partial 6/9' });
      }
      const notices = await world.notices();
      expectNotices(
        notices,
        endpoints.map((e) => `firing ${key(e)}`),
      );
      expect(notices.dingtalk.messages).toHaveLength(1);
      for (const ip of [...dropped, rejected]) expect(notices.dingtalk.messages[0]?.text).toContain(ip);
    });

    it(`[${mode}] a whole category blocked: governance-rules down (three IPs dropped, one not routed), one grouped notice`, async () => {
      const governance = world.fixture.targets.filter((t) => t.category === 'governance-rules');
      const ips = [...new Set(governance.map((t) => t.ip))];
      const [absent, ...dropped] = ips;
      await world.setFaults(dropAll(dropped));
      await world.vpc.removeAddresses([absent!]);
      const outcome = await run(world, mode, await config({ state: 'category' }));
      const endpoints = governance.map((t) => `${t.ip}:${t.port}`).sort();
      expect(outcome).toMatchObject({
        exitCode: 1,
        ok: false,
        failed: governance
          .map((t) => `${t.ip}:${t.port} ${t.ip === absent ? 'unreachable' : 'timeout'}`)
          .sort(),
        findingEndpoints: endpoints,
      });
      expect(outcome.findings).toContain('critical governance-rules');
      if (mode === 'cli') {
        expect(outcome.categories).toEqual({ ...healthyCategories, 'governance-rules': 'down 0/12' });
      }
      const notices = await world.notices();
      expectNotices(
        notices,
        endpoints.map((e) => `firing ${key(e)}`),
      );
      expect(notices.webhook.messages).toHaveLength(1);
    });

    it(`[${mode}] no route at all: the storm guard sends one "monitor network" notice, not 25`, async () => {
      await world.vpc.removeAddresses(world.vpc.addresses.filter((a) => a !== '127.0.0.1'));
      const outcome = await run(world, mode, await config({ state: 'no-route', nacos: true }));
      expect(outcome.exitCode).toBe(1);
      expect(outcome.failed).toEqual(
        world.fixture.targets.map((t) => `${t.ip}:${t.port} unreachable`).sort(),
      );
      if (mode === 'cli') {
        expect(Object.values(outcome.categories ?? {}).filter((v) => v.startsWith('down'))).toHaveLength(5);
      }
      expectNotices(await world.notices(), ['firing monitor/network']);
    });

    it(`[${mode}] no route to the region but the VPC answers: one "${REGION}/*" notice, not 25`, async () => {
      await world.vpc.removeAddresses(world.fixture.addresses);
      const nacosHttp = { host: NACOS.host, port: NACOS.port, name: 'nacos-http', mode: 'tcp' };
      const outcome = await run(world, mode, await config({ state: 'region-down', targets: [nacosHttp] }));
      expect(outcome.exitCode).toBe(1);
      expect(outcome.failed).toEqual(
        world.fixture.targets.map((t) => `${t.ip}:${t.port} unreachable`).sort(),
      );
      expectNotices(await world.notices(), [`firing ${REGION}/*`]);
    });

    // docs/alerting.md ("Storm guard"): when every catalog endpoint failed "but something else answered (an
    // extra target, Nacos)", `<region>/*` fires. A Nacos answer proves the monitor's network
    // is up, so it is not called "monitor lost its network".
    // CLI only: FC-style the Nacos check is its own function (probe-nacos), so no single run sees both.
    if (mode === 'cli') {
      it(`[${mode}] no route to the region, only Nacos answers: one "${REGION}/*" notice`, async () => {
        await world.vpc.removeAddresses(world.fixture.addresses);
        const outcome = await run(world, mode, await config({ state: 'region-down-nacos', nacos: true }));
        expect(outcome.exitCode).toBe(1);
        expect(outcome.nacosSteps?.liveness).toBe('ok');
        expectNotices(await world.notices(), [`firing ${REGION}/*`]);
      });
    }

    it(`[${mode}] Nacos not ready: the readiness step fails and alerts, endpoints stay quiet`, async () => {
      await world.agent.request('nacos.faults', { faults: { notReady: true } });
      const outcome = await run(
        world,
        mode,
        await config({ state: 'nacos-not-ready', nacos: true }),
        'nacos',
      );
      expect(outcome).toMatchObject({ exitCode: 1, ok: false, failed: [], findingEndpoints: [] });
      expect(outcome.nacosSteps?.readiness).toBe('failed');
      expect(outcome.nacosFindings).toContain('critical Nacos readiness failed');
      expectNotices(await world.notices(), [`firing nacos/${NACOS_SERVER}/readiness`]);
    });

    it(`[${mode}] Nacos with a wrong password: login fails and alerts, no password anywhere`, async () => {
      const outcome = await run(
        world,
        mode,
        await config({ state: 'nacos-password', nacos: true, nacosPassword: 'wrong-password-e2e' }),
        'nacos',
      );
      expect(outcome).toMatchObject({ exitCode: 1, ok: false, failed: [], findingEndpoints: [] });
      expect(outcome.nacosSteps?.login).toBe('failed');
      expect(outcome.nacosFindings).toContain('critical Nacos login failed');
      const notices = await world.notices();
      expect(webhookEvents(notices.webhook)).toContain(`firing nacos/${NACOS_SERVER}/login`);
      expect(webhookEvents(notices.webhook).every((e) => e.startsWith(`firing nacos/${NACOS_SERVER}/`))).toBe(
        true,
      );
      const everything = [
        outcome.text,
        ...notices.dingtalk.messages.map((m) => m.text),
        JSON.stringify(notices),
      ];
      expect(leakedSecrets(...everything)).toEqual([]);
      expect(everything.some((text) => text.includes('wrong-password-e2e'))).toBe(false);
    });

    it(`[${mode}] an endpoint that flaps over several runs: announced, then muted as flapping`, async () => {
      const file = await config({
        state: 'flap',
        alerting: { flap: { changes: 4, window: '1h', quiet: '30m' } },
      });
      const flapper = '100.100.27.5:8848';
      const seen: string[][] = [];
      for (const down of [true, false, true, false, true, false]) {
        await world.setFaults(down ? [{ action: 'drop', ip: '100.100.27.5', port: 8848 }] : []);
        const outcome = await run(world, mode, file);
        expect(outcome.exitCode).toBe(down ? 1 : 0);
        expect(outcome.failed).toEqual(down ? [`${flapper} timeout`] : []);
        seen.push(webhookEvents((await world.notices()).webhook));
      }
      expect(seen).toEqual([
        [`firing ${key(flapper)}`],
        [`resolved ${key(flapper)}`],
        [`firing ${key(flapper)}`],
        [`flapping ${key(flapper)}`],
        [],
        [],
      ]);
    });

    it(`[${mode}] a receiver that fails and then recovers gets the notice once, late, and nothing is lost`, async () => {
      const file = await config({
        state: 'receiver',
        // one try per run: this scenario is about the outbox across runs (retries within a run: test/alerting)
        alerting: { retry: { initialBackoff: '1s', maxBackoff: '2s', attemptsPerRun: 1 } },
      });
      const endpoint = '100.100.140.5:80';
      await world.setFaults([{ action: 'drop', ip: '100.100.140.5', port: 80 }]);
      await world.agent.request('receivers.respondNext', {
        name: 'dingtalk',
        replies: [{ status: 500, body: 'internal error' }],
      });
      const firstRun = await run(world, mode, file);
      const first = await world.notices();
      const context1 = JSON.stringify({ alerts: firstRun.alerts, first });
      expect(webhookEvents(first.webhook), context1).toEqual([`firing ${key(endpoint)}`]);
      expect(first.dingtalk.requests, context1).toHaveLength(1);
      expect(first.dingtalk.requests[0]?.rejected).toBeDefined();
      expect(first.dingtalk.messages).toEqual([]);

      await new Promise((resolve) => setTimeout(resolve, 1200)); // past the 1 s backoff: a run, not a timer
      const secondRun = await run(world, mode, file);
      const second = await world.notices();
      const context2 = JSON.stringify({ alerts: secondRun.alerts, second });
      expect(second.webhook.requests, context2).toEqual([]);
      expect(second.dingtalk.messages, context2).toHaveLength(1);
      expect(second.dingtalk.messages[0]?.text).toContain('100.100.140.5');
      expect(second.dingtalk.messages[0]?.title).toMatch(/FIRING/);

      await world.setFaults([]);
      await run(world, mode, file);
      const third = await world.notices();
      expectNotices(third, [`resolved ${key(endpoint)}`]);
    });

    // Issue 11: the faults people actually hit, each diagnosed as one finding per root cause, in its own words.

    it(`[${mode}] 9848 dropped on every governance IP (8848 open): one port finding about Nacos 2.x+ gRPC`, async () => {
      const ips = governanceIps(world);
      await world.setFaults(ips.map((ip) => ({ action: 'drop', ip, port: 9848 })));
      const outcome = await run(world, mode, await config({ state: 'grpc-dropped' }));
      const endpoints = ips.map((ip) => `${ip}:9848`).sort();
      expect(outcome).toMatchObject({
        exitCode: 1,
        ok: false,
        failed: endpoints.map((e) => `${e} timeout`),
        findings: ['critical governance-rules'],
        findingEndpoints: endpoints,
      });
      const [finding] = outcome.details;
      expect(finding).toMatchObject({ kind: 'port-blocked', reason: 'timeout' });
      expect(finding?.symptom).toMatch(/^Nacos 2\.x\+ clients cannot connect or receive pushes: port 9848/);
      expect(finding?.cause).toMatch(/while the same IPs answer on ports 8080 and 8848/);
      expect(finding?.cause).toMatch(/Nacos client version/);
      expect(texts(outcome)).not.toMatch(/Not all IP|Intermittent/);
      expectNotices(
        await world.notices(),
        endpoints.map((e) => `firing ${key(e)}`),
      );
    });

    it(`[${mode}] 8080 and 9848 dropped, 8848 open: one finding per port`, async () => {
      const with8080 = world.fixture.targets.filter((t) => t.port === 8080).map((t) => t.ip);
      const ips = governanceIps(world);
      await world.setFaults([
        ...with8080.map((ip): Fault => ({ action: 'drop', ip, port: 8080 })),
        ...ips.map((ip): Fault => ({ action: 'drop', ip, port: 9848 })),
      ]);
      const outcome = await run(world, mode, await config({ state: 'http-grpc-dropped' }));
      expect(outcome.exitCode).toBe(1);
      expect(outcome.details.map((f) => [f.kind, f.category, [...f.endpoints].sort()])).toEqual([
        ['port-blocked', 'basic-info, governance-rules', with8080.map((ip) => `${ip}:8080`).sort()],
        ['port-blocked', 'governance-rules', ips.map((ip) => `${ip}:9848`).sort()],
      ]);
      expect(outcome.details[0]?.symptom).toMatch(
        /port 8080 \(basic information and governance-rule pulls\)/,
      );
      expect(outcome.details[1]?.cause).toMatch(/answer on port 8848/);
    });

    it(`[${mode}] a firewall that rejects with ICMP (admin-prohibited, host-prohibited): told apart from no route`, async () => {
      const [a, b, c, d] = governanceIps(world);
      const diagnostics = '100.100.140.3';
      await world.setFaults([
        { action: 'reject-icmp', ip: a!, port: 9848, icmp: 'admin-prohibited' },
        { action: 'reject-icmp', ip: b!, port: 9848, icmp: 'admin-prohibited' },
        { action: 'reject-icmp', ip: c!, port: 9848, icmp: 'host-prohibited' },
        { action: 'reject-icmp', ip: d!, port: 9848, icmp: 'host-prohibited' },
        { action: 'reject-icmp', ip: diagnostics, icmp: 'host-prohibited' },
      ]);
      const outcome = await run(world, mode, await config({ state: 'icmp' }));
      const grpc = [a, b, c, d].map((ip) => `${ip}:9848`).sort();
      expect(outcome.failed).toEqual([...grpc, `${diagnostics}:80`].map((e) => `${e} unreachable`).sort());
      // both ICMP types come back as EHOSTUNREACH: the finding names both, and how to tell them from no route
      for (const endpoint of [...grpc, `${diagnostics}:80`])
        expect(outcome.codes[endpoint]).toBe('EHOSTUNREACH');
      expect(outcome.details.map((f) => [f.kind, f.category, f.reason])).toEqual([
        ['port-blocked', 'governance-rules', 'unreachable'],
        ['ip-missing', 'diagnostics', 'unreachable'],
      ]);
      const [port, ip] = outcome.details;
      expect(port?.cause).toMatch(/rejected with ICMP \(EHOSTUNREACH.*admin-prohibited or host-prohibited/);
      expect(port?.action).toMatch(
        new RegExp(`\`ip route get ${a}\` shows a route, so the routing is not the problem`),
      );
      expect(port?.action).toMatch(new RegExp(`\`traceroute -T -p 9848 ${a}\` marks the hop .* !X`));
      expect(ip?.cause).toMatch(/missing from the allowlist of a firewall that rejects with ICMP/);
      expect(texts(outcome)).not.toMatch(/Express Connect/);
    });

    it(`[${mode}] everything dropped: one region-wide finding that says a firewall drops it, not "no route"`, async () => {
      await world.setFaults(dropAll(world.fixture.addresses));
      const outcome = await run(world, mode, await config({ state: 'all-dropped' }));
      expect(outcome.exitCode).toBe(1);
      expect(outcome.failed).toEqual(world.fixture.targets.map((t) => `${t.ip}:${t.port} timeout`).sort());
      expect(outcome.details).toHaveLength(1);
      expect(outcome.details[0]).toMatchObject({ kind: 'region-down', category: 'all', reason: 'timeout' });
      expect(outcome.details[0]?.symptom).toMatch(
        /a firewall drops every connection to the region's MSE endpoints/,
      );
      expect(outcome.details[0]?.cause).toMatch(/All 25 endpoints fail \(timeout ×25\)/);
      expect(texts(outcome)).not.toMatch(/no route/i);
      // nothing answered at all: the storm guard's one notice
      expectNotices(await world.notices(), ['firing monitor/network']);
    });

    it(`[${mode}] reset after the handshake on port 80: a proxy or inspection device, act there`, async () => {
      const port80 = world.fixture.targets.filter((t) => t.port === 80).map((t) => `${t.ip}:80`);
      await world.setFaults(
        port80.map((e): Fault => ({ action: 'reset-after-connect', ip: e.split(':')[0]!, port: 80 })),
      );
      const outcome = await run(world, mode, await config({ state: 'reset' }));
      expect(outcome.exitCode).toBe(1);
      expect(outcome.failed).toEqual(port80.map((e) => `${e} reset`).sort());
      for (const endpoint of port80) expect(outcome.codes[endpoint]).toBe('ECONNRESET');
      expect(outcome.details).toHaveLength(1);
      expect(outcome.details[0]).toMatchObject({
        kind: 'interference',
        reason: 'reset',
        category: 'agent-metadata, metrics-events, diagnostics',
      });
      expect(outcome.details[0]?.action).toMatch(
        /proxy or inspection device that resets it, not on the firewall/,
      );
      expect(texts(outcome)).not.toMatch(/allow outbound TCP/i);
    });

    it(`[${mode}] an HTTP endpoint that accepts and never answers: no-answer, its own finding, not ok`, async () => {
      const silent = '100.100.100.200';
      await world.listen(
        world.fixture.listeners.map((l) => (l.host === silent && l.port === 80 ? { ...l, http: false } : l)),
      );
      const outcome = await run(world, mode, await config({ state: 'no-answer' }));
      expect(outcome).toMatchObject({
        exitCode: 1,
        ok: false,
        failed: [`${silent}:80 no-answer`],
        findings: ['critical agent-metadata'],
        findingEndpoints: [`${silent}:80`],
      });
      expect(outcome.codes[`${silent}:80`]).toBe('NO_HTTP_ANSWER');
      expect(outcome.details[0]).toMatchObject({ kind: 'interference', reason: 'no-answer' });
      expect(outcome.details[0]?.symptom).toMatch(/the HTTP request is never answered/);
      expectNotices(await world.notices(), [`firing ${key(`${silent}:80`)}`]);
    });

    it(`[${mode}] a transparent proxy that answers 404 for every address: green proves nothing, not ok`, async () => {
      const proxy = await world.startProxy(404);
      await world.setFaults(
        world.fixture.addresses.map((ip): Fault => ({ action: 'redirect', ip, to: proxy.port })),
      );
      const outcome = await run(world, mode, await config({ state: 'proxy' }));
      // every catalog probe "succeeds": the proxy accepted them all
      expect(outcome).toMatchObject({
        exitCode: 1,
        ok: false,
        failed: [],
        findings: ['critical interception'],
      });
      expect(outcome.findingEndpoints).toEqual(['100.103.16.42:9']);
      expect(outcome.details[0]?.kind).toBe('interception');
      expect(outcome.details[0]?.symptom).toMatch(/Something on the path answers in MSE's place/);
      expect(outcome.details[0]?.cause).toMatch(/HTTP 404 ×17/);
      if (mode === 'cli') {
        expect(outcome.interception).toBe('intercepted');
        expect(outcome.categories).toEqual(healthyCategories);
        expect(new Set(Object.values(outcome.httpStatuses ?? {}))).toEqual(new Set([404]));
      }
      // one notice for the path (the `<region>/interception` key); never one per endpoint, whose green proves nothing
      expect(webhookEvents((await world.notices()).webhook).filter((e) => e.includes(`${REGION}/`))).toEqual([
        `firing ${REGION}/interception`,
      ]);
    });

    it(`[${mode}] one IP dropped on every port: ONE finding, that IP is missing from the allowlist`, async () => {
      const missing = '100.100.27.224';
      await world.setFaults(dropAll([missing]));
      const outcome = await run(world, mode, await config({ state: 'one-ip' }));
      expect(outcome.details).toHaveLength(1);
      expect(outcome.details[0]).toMatchObject({ kind: 'ip-missing', category: 'governance-rules' });
      expect([...(outcome.details[0]?.endpoints ?? [])].sort()).toEqual(
        [8080, 8848, 9848].map((port) => `${missing}:${port}`),
      );
      expect(outcome.details[0]?.cause).toMatch(
        new RegExp(`^${missing.replaceAll('.', '\\.')} is missing from the allowlist`),
      );
    });
  }
});

// cn-zhangjiakou: the one region whose governance-rules category has a single IP. "Not all IPs of a category are
// allowed" can never apply there; a blocked port or the missing IP can.
describeInVpc(
  'mse-watch end to end in a VPC in a box, cn-zhangjiakou (single-IP governance category)',
  () => {
    let world: World;
    const GOVERNANCE = '100.100.99.86';

    beforeAll(async () => {
      world = await createWorld('e2e scenarios, cn-zhangjiakou', 'cn-zhangjiakou');
    });
    afterAll(async () => {
      await world?.destroy();
    });
    beforeEach(async () => {
      await world.reset();
    });

    for (const mode of ['cli', 'fc'] as const) {
      const config = (options: ConfigOptions) =>
        world.config({ ...options, state: `zjk-${mode}-${options.state}` });

      it(`[${mode}] 9848 dropped on the only governance IP: a port finding, never "not all IPs"`, async () => {
        await world.setFaults([{ action: 'drop', ip: GOVERNANCE, port: 9848 }]);
        const outcome = await run(world, mode, await config({ state: 'grpc' }));
        expect(outcome).toMatchObject({
          exitCode: 1,
          failed: [`${GOVERNANCE}:9848 timeout`],
          findings: ['critical governance-rules'],
          findingEndpoints: [`${GOVERNANCE}:9848`],
        });
        expect(outcome.details[0]?.kind).toBe('port-blocked');
        expect(outcome.details[0]?.cause).toMatch(
          /the only governance-rules IP, while it answers on ports 8080 and 8848/,
        );
        expect(texts(outcome)).not.toMatch(/Not all IP|Intermittent|picks among/);
        expectNotices(await world.notices(), [`firing cn-zhangjiakou/${GOVERNANCE}:9848`]);
      });

      it(`[${mode}] the only governance IP dropped: that IP is missing, start-up fails`, async () => {
        await world.setFaults(dropAll([GOVERNANCE]));
        const outcome = await run(world, mode, await config({ state: 'ip' }));
        expect(outcome.exitCode).toBe(1);
        expect(outcome.details).toHaveLength(1);
        expect(outcome.details[0]).toMatchObject({ kind: 'ip-missing', category: 'governance-rules' });
        expect(outcome.details[0]?.symptom).toMatch(
          /^Application fails to start with a timeout error: the only governance-rules IP does not answer on any port/,
        );
        if (mode === 'cli') expect(outcome.categories?.['governance-rules']).toBe('down 0/3');
        expect(texts(outcome)).not.toMatch(/Not all IP|Intermittent/);
      });
    }
  },
);
