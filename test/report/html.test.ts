import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { NacosReport } from '../../shared/nacos/report.ts';
import type { ProbeStatus } from '../../shared/probes/types.ts';
import { escapeHtml, renderHtmlReport } from '../../shared/report/html.ts';
import { CheckReport, type ProbeRow } from '../../shared/report/schema.ts';

const CHROMIUM = '/usr/bin/chromium';

/** A missing browser fails loudly: a silently skipped page test proves nothing (CI installs Debian's chromium). */
const launchOptions = () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does) to test the HTML report`,
    );
  return CHROMIUM;
};
const artifacts = fileURLToPath(new URL('../artifacts/report/', import.meta.url));

const catalog = loadCatalog();
const shanghai = resolveRegion(catalog, 'cn-shanghai');

/** Failures injected into an otherwise healthy cn-shanghai run: governance-rules partial, diagnostics partial. */
const FAULTS: Record<string, { status: ProbeStatus; code: string; message: string; latencyMs: number }> = {
  '100.100.109.63:9848': {
    status: 'timeout',
    code: 'ETIMEDOUT',
    message: 'no answer in 3000 ms',
    latencyMs: 3001,
  },
  '100.100.109.63:8848': {
    status: 'timeout',
    code: 'ETIMEDOUT',
    message: 'no answer in 3000 ms',
    latencyMs: 3002,
  },
  '100.100.27.224:8848': {
    status: 'refused',
    code: 'ECONNREFUSED',
    message: 'connect ECONNREFUSED 100.100.27.224:8848',
    latencyMs: 1.4,
  },
  '100.100.119.199:80': {
    status: 'unreachable',
    code: 'ENETUNREACH',
    message: 'connect ENETUNREACH 100.100.119.199:80',
    latencyMs: 0.3,
  },
  '100.100.140.9:80': { status: 'reset', code: 'ECONNRESET', message: 'read ECONNRESET', latencyMs: 12.5 },
};

/** Hostile text where a report carries foreign strings: a host name and an error message. */
const HOSTILE_HOST = '<img src=x onerror="alert(1)">.example';
const HOSTILE_MESSAGE = `</td><script>alert('x')</script> & "quoted"`;

const catalogRows = (): ProbeRow[] =>
  regionTargets(shanghai, { includeArms: false }).map((target, index) => {
    const fault = FAULTS[`${target.ip}:${target.port}`];
    const probed = `127.77.0.${(index % 250) + 1}:${target.port}`;
    if (fault) {
      return {
        ...target,
        status: fault.status,
        latencyMs: fault.latencyMs,
        attempts: 3,
        error: { code: fault.code, message: fault.message },
        probed,
      };
    }
    const latencyMs = 3 + ((index * 7) % 23) + 0.25;
    return { ...target, status: 'ok', latencyMs, attempts: 1, connectMs: latencyMs, probed };
  });

const extraRows: ProbeRow[] = [
  {
    ip: HOSTILE_HOST,
    port: 443,
    category: 'extra',
    required: false,
    status: 'dns',
    latencyMs: 20,
    attempts: 2,
    name: 'partner API',
    error: { code: 'ENOTFOUND', message: HOSTILE_MESSAGE },
  },
  {
    ip: '127.0.0.1',
    port: 8080,
    category: 'extra',
    required: true,
    status: 'http-status',
    latencyMs: 8,
    attempts: 1,
    name: 'gateway health',
    httpStatus: 503,
    firstByteMs: 7,
    error: { code: 'HTTP_503', message: 'HTTP 503 Service Unavailable' },
  },
];

/** Verdicts counted by hand from the rows, the way the issue defines them. */
const verdicts = (rows: ProbeRow[]): CheckReport['categories'] => {
  const categories = [...new Set(rows.map((row) => row.category))];
  const counted = categories.map((category) => {
    const own = rows.filter((row) => row.category === category);
    const reachable = own.filter((row) => row.status === 'ok').length;
    const verdict = reachable === own.length ? 'ok' : reachable === 0 ? 'down' : 'partial';
    return { category, verdict, reachable, total: own.length } as const;
  });
  const arms = ['arms-monitoring', 'arms-info'].map((category) => ({
    category,
    verdict: 'skipped' as const,
    reachable: 0,
    total: shanghai.endpoints.filter((e) => e.category === category).length,
  }));
  return [...counted, ...arms];
};

const buildReport = (options: { simulation: boolean }): CheckReport => {
  const probes = [...catalogRows(), ...extraRows];
  const startup = catalog.troubleshooting.find((row) => row.id === 'startup-timeout');
  const runtime = catalog.troubleshooting.find((row) => row.id === 'governance-broken');
  const intermittent = catalog.troubleshooting.find((row) => row.id === 'intermittent');
  return CheckReport.parse({
    region: 'cn-shanghai',
    startedAt: '2026-11-21T05:00:00.000Z',
    durationMs: 3412.6,
    ok: false,
    complete: true,
    catalogVersion: catalog.version,
    ...(options.simulation
      ? {
          simulation: {
            note: 'scenario "governance-partial": catalog addresses served on 127.77.0.0/16',
            mapping: Object.fromEntries(
              probes.flatMap((row) => (row.probed ? [[`${row.ip}:${row.port}`, row.probed]] : [])),
            ),
          },
        }
      : {}),
    probes: options.simulation ? probes : probes.map(({ probed: _, ...row }) => row),
    categories: verdicts(probes),
    findings: [
      {
        severity: 'critical',
        category: 'governance-rules',
        symptom: startup?.symptom,
        cause: `${startup?.cause} (3 of 12 governance-rules endpoints). Likely: 2 × timeout: a firewall drops the traffic`,
        action: `${startup?.action}: allow outbound TCP to 100.100.109.63:9848, 100.100.109.63:8848, 100.100.27.224:8848`,
        endpoints: ['100.100.109.63:9848', '100.100.109.63:8848', '100.100.27.224:8848'],
      },
      {
        severity: 'critical',
        category: 'governance-rules',
        symptom: intermittent?.symptom,
        cause: `${intermittent?.cause}: 9 of 12 answer`,
        action: `${intermittent?.action}; print the rules with: mse-watch allowlist --region cn-shanghai --format iptables`,
        endpoints: ['100.100.109.63:9848', '100.100.109.63:8848', '100.100.27.224:8848'],
      },
      {
        severity: 'warning',
        category: 'diagnostics',
        symptom: runtime?.symptom,
        cause: `${runtime?.cause}. Likely: 1 × unreachable; 1 × reset`,
        action: `${runtime?.action}: allow outbound TCP to 100.100.119.199:80, 100.100.140.9:80`,
        endpoints: ['100.100.119.199:80', '100.100.140.9:80'],
      },
      {
        severity: 'warning',
        category: 'extra',
        symptom: `${HOSTILE_HOST} is unreachable from this host`,
        cause: `Likely: the name does not resolve (ENOTFOUND: ${HOSTILE_MESSAGE})`,
        action: `Allow outbound TCP to ${HOSTILE_HOST}:443`,
        endpoints: [`${HOSTILE_HOST}:443`],
      },
    ],
  });
};

const NACOS = NacosReport.parse({
  server: 'mse-abc123-nacos-ans.mse.aliyuncs.com:8848',
  version: '2.3.2',
  ok: false,
  durationMs: 642,
  api: 'v1',
  grpc: 'mse-abc123-nacos-ans.mse.aliyuncs.com:9848',
  steps: [
    { name: 'liveness', status: 'ok', latencyMs: 6 },
    { name: 'readiness', status: 'ok', latencyMs: 5 },
    { name: 'login', status: 'ok', latencyMs: 18, detail: 'token issued, ttl 18000 s' },
    {
      name: 'config-roundtrip',
      status: 'degraded',
      latencyMs: 412,
      detail: 'publish, get and delete in 412 ms',
    },
    {
      name: 'naming-roundtrip',
      status: 'failed',
      latencyMs: 31,
      error: { code: 'auth', message: 'HTTP 403: <b>user not authorized</b>' },
    },
    { name: 'grpc-server-check', status: 'ok', latencyMs: 9 },
    { name: 'cluster', status: 'skipped', latencyMs: 0, detail: 'needs admin rights' },
  ],
  leftovers: ['mse-watch-canary-<1>'],
});

/** Not a NacosReport: some other shape is still shown, escaped, as tables and lists. */
const NACOS_OTHER = {
  serverCheck: { status: 'ok', latencyMs: 4 },
  steps: [
    { step: 'login', ok: true, detail: 'token issued' },
    { step: 'naming register/list', ok: false, detail: '<b>403</b> forbidden' },
  ],
};

const simulated = buildReport({ simulation: true });
const plain = buildReport({ simulation: false });

describe('renderHtmlReport (structure)', () => {
  const html = renderHtmlReport(simulated, { nacos: NACOS });

  it('the test report is what it claims: partial governance-rules, skipped ARMS, several failure kinds', () => {
    const governance = simulated.categories.find((c) => c.category === 'governance-rules');
    expect(governance).toStrictEqual({
      category: 'governance-rules',
      verdict: 'partial',
      reachable: 9,
      total: 12,
    });
    expect(new Set(simulated.probes.map((row) => row.status))).toStrictEqual(
      new Set(['ok', 'timeout', 'refused', 'unreachable', 'reset', 'dns', 'http-status']),
    );
  });

  it('has a matrix cell for every probe row, with its status class and latency', () => {
    for (const row of simulated.probes) {
      const cell = new RegExp(
        `<td class="cell status-${row.status}" data-host="${escapeRegExp(escapeHtml(row.ip))}" data-port="${row.port}" data-status="${row.status}"[^>]*>.*?</td>`,
      ).exec(html);
      expect(cell, `${row.ip}:${row.port}`).not.toBeNull();
      expect(cell?.[0]).toContain(`${row.status}</div>`);
    }
    expect(html.match(/<td class="cell status-/g)).toHaveLength(simulated.probes.length);
  });

  it('lists every probe in the probe table, and the failed ones with their errors in the open', () => {
    const all = html.slice(html.indexOf('<table class="probes probes-all">'));
    for (const row of simulated.probes) {
      expect(all).toContain(`<tr data-endpoint="${escapeHtml(`${row.ip}:${row.port}`)}">`);
    }
    const failedTable = html.slice(
      html.indexOf('<table class="probes probes-failed">'),
      html.indexOf('<details class="all-probes">'),
    );
    const failed = simulated.probes.filter((row) => row.status !== 'ok');
    expect(failedTable.match(/<tr data-endpoint="([^"]+)">/g)).toStrictEqual(
      failed.map((row) => `<tr data-endpoint="${escapeHtml(`${row.ip}:${row.port}`)}">`),
    );
    for (const row of failed)
      expect(failedTable).toContain(escapeHtml(`${row.error?.code}: ${row.error?.message}`));
  });

  it('escapes hosts and error messages wherever they appear', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain("<script>alert('x')");
    expect(html).not.toContain('onerror="');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.example');
    expect(html).toContain(
      '&lt;/td&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;',
    );
    expect(html).toContain('HTTP 403: &lt;b&gt;user not authorized&lt;/b&gt;');
    expect(html).toContain('<code>mse-watch-canary-&lt;1&gt;</code>');
  });

  it('is self-contained: no scripts, no stylesheet links, nothing loaded from a URL', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('shows the header facts, the findings with their actions, and the categories', () => {
    expect(html).toContain('<h1 class="nw">cn-shanghai</h1>');
    expect(html).toContain('China (Shanghai)');
    expect(html).toMatch(/data-ok="false">\s*<span class="sym" aria-hidden="true">✕<\/span>NOT OK/);
    expect(html).toContain('2026-11-21 05:00:00 UTC');
    // every duration at 0.1 ms, as in the report JSON
    expect(html).toContain('3412.6 ms');
    expect(html).not.toMatch(/\d\.\d{2,} ?m?s\b/);
    expect(html).toContain(catalog.version);
    // the words of every finding, whatever markup keeps identifiers on one line
    const visible = html.replace(/<\/?span[^>]*>/g, '');
    for (const finding of simulated.findings) {
      expect(visible).toContain(escapeHtml(finding.symptom));
      expect(visible).toContain(escapeHtml(finding.action));
    }
    for (const category of simulated.categories) {
      expect(html).toContain(`data-category="${category.category}" data-verdict="${category.verdict}"`);
    }
    expect(html).toContain('Not probed (ARMS endpoints: run with --include-arms to check them)');
    expect(html).toContain('<strong>7</strong> endpoints not probed');
  });

  it('shows the simulation banner with its mapping only for a simulation', () => {
    expect(html).toContain('<span class="simulation-tag">SIMULATION</span>');
    expect(html).toContain('<code>100.100.109.63:9848</code> → <code>127.77.0.');
    const real = renderHtmlReport(plain);
    expect(real).not.toContain('SIMULATION');
    expect(real).not.toContain('Nacos');
  });

  it('shows a Nacos report step by step, with its status and error', () => {
    expect(html).toContain('<h2>Nacos</h2>');
    for (const step of NACOS.steps)
      expect(html).toContain(`<tr data-step="${step.name}" data-status="${step.status}">`);
    expect(html).toContain('auth: HTTP 403');
    expect(html).toContain('Canaries left behind');
  });

  it('shows any other Nacos result generically, escaped', () => {
    const page = renderHtmlReport(plain, { nacos: NACOS_OTHER });
    expect(page).toContain('<h2>Nacos</h2>');
    expect(page).toContain('naming register/list');
    expect(page).toContain('&lt;b&gt;403&lt;/b&gt; forbidden');
    expect(page).not.toContain('<b>403');
  });

  it('a failed Nacos check makes the page NOT OK even when every endpoint answers', () => {
    const healthy = CheckReport.parse({ ...plain, ok: true, findings: [] });
    expect(renderHtmlReport(healthy)).toContain('data-ok="true"');
    const page = renderHtmlReport(healthy, { nacos: NACOS });
    expect(page).toMatch(/data-ok="false">\s*<span class="sym" aria-hidden="true">✕<\/span>NOT OK/);
    expect(page).toContain('the Nacos check failed');
    expect(renderHtmlReport(healthy, { nacos: { ...NACOS, ok: true } })).toContain('data-ok="true"');
  });

  it('is a pure function of the report', () => {
    expect(renderHtmlReport(simulated, { nacos: NACOS })).toBe(html);
  });

  it('says OK for a healthy run', () => {
    const healthy = CheckReport.parse({
      ...plain,
      ok: true,
      probes: plain.probes
        .filter((row) => row.category !== 'extra')
        .map((row) => ({ ...row, status: 'ok', error: undefined })),
      categories: [],
      findings: [],
    });
    const page = renderHtmlReport(healthy);
    expect(page).toMatch(/data-ok="true">\s*<span class="sym" aria-hidden="true">✓<\/span>OK/);
    expect(page).toContain('No problems found');
  });
});

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe(`renderHtmlReport in headless Chromium (${CHROMIUM})`, () => {
  it.each([
    ['simulation', simulated, { nacos: NACOS }],
    ['real', plain, {}],
  ] as const)('the %s report renders with no requests and no console errors; cells carry their status', async (name, report, options) => {
    const browser = await chromium.launch({
      executablePath: launchOptions(),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      const failed: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('requestfailed', (request) => failed.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await page.setContent(renderHtmlReport(report, options), { waitUntil: 'load' });

      // runs in the page: the tsconfig has no DOM lib, so the browser globals are reached through globalThis
      const cells = await page.$$eval('td.cell[data-status]', (nodes) => {
        const view = globalThis as unknown as {
          getComputedStyle: (node: unknown) => { backgroundColor: string };
        };
        return nodes.map((node) => ({
          key: `${node.getAttribute('data-host')}:${node.getAttribute('data-port')}`,
          status: node.getAttribute('data-status'),
          className: node.className,
          background: view.getComputedStyle(node).backgroundColor,
        }));
      });
      // the rendered text, not the DOM text: each status label must be visible, not only present
      const texts = await page.locator('td.cell[data-status]').allInnerTexts();
      expect(cells.map((cell) => cell.key)).toStrictEqual(
        // matrix order: categories in report order, endpoints in probe order
        sortLikeMatrix(report).map((row) => `${row.ip}:${row.port}`),
      );
      cells.forEach((cell, index) => {
        expect(cell.className).toBe(`cell status-${cell.status}`);
        expect(texts[index]).toContain(String(cell.status));
      });
      const colours = new Map(cells.map((cell) => [cell.status, cell.background]));
      expect(new Set(colours.values()).size).toBe(colours.size);

      const banner = await page.locator('section.simulation').count();
      expect(banner).toBe(report.simulation ? 1 : 0);
      if (report.simulation) expect(await page.locator('section.simulation').isVisible()).toBe(true);

      mkdirSync(artifacts, { recursive: true });
      const screenshot = await page.screenshot({
        path: `${artifacts}check-report-${name}.png`,
        fullPage: true,
      });
      expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
      writeFileSync(`${artifacts}check-report-${name}.html`, renderHtmlReport(report, options));

      expect(requests).toStrictEqual([]);
      expect(failed).toStrictEqual([]);
      expect(errors).toStrictEqual([]);
    } finally {
      await browser.close();
    }
  });
});

/** What the page looks like at one width, measured in the browser (runs in the page: no DOM lib here). */
type Layout = {
  viewport: { width: number; height: number };
  scrollWidth: number;
  verdict: { top: number; bottom: number; text: string };
  findingsTop: number;
  firstFindingTop: number;
  gridTop: number;
  /** Words drawn on more than one line, e.g. "cn-/hangzhou", "NOT/OK". */
  broken: string[];
};

const measure = (): Layout => {
  type Rect = { top: number; bottom: number; left: number; right: number; width: number };
  type El = { getBoundingClientRect(): Rect; textContent: string | null; closest(s: string): El | null };
  const g = globalThis as unknown as {
    innerWidth: number;
    innerHeight: number;
    document: {
      documentElement: { scrollWidth: number };
      querySelector(s: string): El;
      body: unknown;
      createTreeWalker(root: unknown, what: number): { nextNode(): unknown };
      createRange(): {
        setStart(n: unknown, o: number): void;
        setEnd(n: unknown, o: number): void;
        getClientRects(): Rect[];
      };
    };
  };
  const d = g.document;
  const top = (selector: string) => d.querySelector(selector).getBoundingClientRect().top;
  const verdict = d.querySelector('.overall').getBoundingClientRect();
  const broken: string[] = [];
  const walker = d.createTreeWalker(d.body, 4 /* NodeFilter.SHOW_TEXT */);
  for (
    let node = walker.nextNode() as { textContent: string; parentElement: El } | null;
    node;
    node = walker.nextNode() as typeof node
  ) {
    const parent = node.parentElement;
    // the probe tables and the grid scroll sideways in their own box; what matters is the reading flow
    if (!parent || parent.closest('style, title, details:not([open]) > :not(summary)')) continue;
    const content = node.textContent;
    for (const match of content.matchAll(/\S+/g)) {
      const word = match[0];
      if (word.length > 30) continue; // longer than a phone line: it may have to break
      const range = d.createRange();
      range.setStart(node, match.index ?? 0);
      range.setEnd(node, (match.index ?? 0) + word.length);
      const lines = new Set(
        [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
      );
      if (lines.size > 1) broken.push(word);
    }
  }
  return {
    viewport: { width: g.innerWidth, height: g.innerHeight },
    scrollWidth: d.documentElement.scrollWidth,
    verdict: {
      top: verdict.top,
      bottom: verdict.bottom,
      text: d.querySelector('.overall').textContent ?? '',
    },
    findingsTop: top('#findings'),
    firstFindingTop: top('.finding'),
    gridTop: top('table.matrix'),
    broken,
  };
};

describe('the HTML report at phone and desktop width (Chromium)', () => {
  it.each([
    ['phone', 390, 844],
    ['desktop', 1400, 900],
  ] as const)('%s (%i px): verdict in the first screen, findings above the grid, no sideways scroll, no word broken', async (name, width, height) => {
    const browser = await chromium.launch({
      executablePath: launchOptions(),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.setContent(renderHtmlReport(simulated, { nacos: NACOS }), { waitUntil: 'load' });
      const layout = await page.evaluate(measure);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: `${artifacts}check-report-${name}-${width}.png`, fullPage: false });
      await page.screenshot({ path: `${artifacts}check-report-${name}-${width}-full.png`, fullPage: true });

      expect(layout.viewport.width).toBe(width);
      // the verdict is read first: wholly inside the first screen, on one line
      expect(layout.verdict.text).toContain('NOT OK');
      expect(layout.verdict.bottom).toBeLessThanOrEqual(height);
      // then what is wrong and what to do, before the long grid
      expect(layout.findingsTop).toBeLessThan(layout.gridTop);
      expect(layout.firstFindingTop).toBeLessThan(layout.gridTop);
      // nothing wider than the screen: the grid scrolls inside its own box
      expect(layout.scrollWidth).toBeLessThanOrEqual(width);
      expect(layout.broken).toStrictEqual([]);
    } finally {
      await browser.close();
    }
  });
});

const sortLikeMatrix = (report: CheckReport): ProbeRow[] => {
  const order = [
    ...report.categories.map((c) => c.category),
    ...report.probes.map((row) => row.category),
  ].filter((category, index, all) => all.indexOf(category) === index);
  const ports = [...new Set(report.probes.map((row) => row.port))].sort((a, b) => a - b);
  return order.flatMap((category) => {
    const rows = report.probes.filter((row) => row.category === category);
    const hosts = [...new Set(rows.map((row) => row.ip))];
    return hosts.flatMap((ip) =>
      ports.flatMap((port) => rows.filter((row) => row.ip === ip && row.port === port)),
    );
  });
};
