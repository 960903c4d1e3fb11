import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../shared/catalog/index.ts';
import { appendRun, freshHistory, type History, incidents } from '../../shared/history/index.ts';
import type { ProbeStatus } from '../../shared/probes/types.ts';
import { renderStatusPage, type StatusAlerts } from '../../shared/report/status-page.ts';
import {
  DAY,
  failingNacos,
  HOUR,
  healthyNacos,
  MINUTE,
  makeRun,
  SECOND,
  T0,
  type Target,
  targetsOf,
} from '../history/fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../artifacts/status-page/', import.meta.url));
const catalog = loadCatalog();

/** Foreign text where a page shows it: an extra target's name and host, a finding, a Nacos error. */
const HOSTILE_HOST = '<img src=x onerror="alert(1)">.example';
const HOSTILE_CATEGORY = `partner "api" <b>`;
const hostile: Target = {
  ip: HOSTILE_HOST,
  port: 443,
  category: HOSTILE_CATEGORY,
  required: false,
  name: 'partner <gw>',
};

const hangzhou = [...targetsOf('cn-hangzhou'), hostile];
const beijing = targetsOf('cn-beijing');
const shanghai = targetsOf('cn-shanghai');
const keyOf = (t: Target) => `${t.ip}:${t.port}`;
const diagnostics = hangzhou.filter((t) => t.category === 'diagnostics');
const governance = hangzhou.filter((t) => t.category === 'governance-rules');
const basic = hangzhou.find((t) => t.category === 'basic-info')!;

const STEP = 5 * MINUTE;
const SPAN = 8 * DAY;
const NOW = T0 + SPAN;

/** Eight days of runs every 5 minutes: a past outage, a recent partial failure, one ongoing, a stale region. */
const build = (): History => {
  let history = freshHistory();
  for (let at = T0; at < NOW; at += STEP) {
    const age = NOW - at;
    const failing = new Map<string, ProbeStatus>();
    if (age <= 2 * DAY && age > 2 * DAY - 2 * HOUR)
      for (const t of diagnostics) failing.set(keyOf(t), 'refused');
    if (age <= 6 * HOUR && age > 5.5 * HOUR)
      for (const t of governance.slice(0, 3)) failing.set(keyOf(t), 'timeout');
    if (age <= 20 * MINUTE) failing.set(keyOf(basic), 'unreachable');
    if (age <= 3 * HOUR) failing.set(keyOf(hostile), 'dns');
    const last = at + STEP >= NOW;
    history = appendRun(
      history,
      makeRun('cn-hangzhou', at, hangzhou, {
        failing,
        skipped: ['arms-monitoring', 'arms-info'],
        ...(last ? { nacos: failingNacos() } : {}),
      }),
      at + 2 * SECOND,
    );
    history = appendRun(
      history,
      makeRun('cn-beijing', at + 30 * SECOND, beijing, {
        simulation: 'scenario "demo" on 127.77.0.0/16',
        ...(last ? { nacos: healthyNacos() } : {}),
      }),
      at + 32 * SECOND,
    );
    if (age > 2 * HOUR)
      history = appendRun(history, makeRun('cn-shanghai', at + 40 * SECOND, shanghai), at + 42 * SECOND);
  }
  // the last cn-hangzhou run's findings carry foreign text
  const series = history.regions['cn-hangzhou']!;
  const lastProbes = series.lastProbes!;
  series.lastProbes = {
    ...lastProbes,
    findings: [
      ...lastProbes.findings,
      {
        severity: 'warning',
        category: HOSTILE_CATEGORY,
        symptom: `${HOSTILE_HOST} is unreachable from this host`,
        cause: `Likely: the name does not resolve (ENOTFOUND: </li><script>alert('x')</script> & "quoted")`,
        action:
          'Allow outbound TCP to the partner gateway, then run mse-watch check --config /etc/mse-watch/mse-watch.yaml',
        endpoints: [keyOf(hostile)],
      },
    ],
  };
  return history;
};

const history = build();
const build_ = { version: '0.1.0', catalogVersion: catalog.version };
const HOSTILE_COMMENT = '<b>on it</b> & "rolling back"';
// what the status routes derive from the alert state: one firing key acknowledged, one flapping key nobody took,
// a stored silence and one from the config
const alerts: StatusAlerts = {
  troubles: [
    {
      key: `cn-hangzhou/${keyOf(governance[0]!)}`,
      category: 'governance-rules',
      label: `governance-rules endpoint ${keyOf(governance[0]!)}`,
      status: 'firing',
      since: new Date(NOW - 2 * HOUR).toISOString(),
      detail: 'timeout: no TCP handshake within 3000.0 ms',
      ack: {
        at: new Date(NOW - HOUR).toISOString(),
        by: 'alice',
        until: 'resolved',
        comment: HOSTILE_COMMENT,
      },
    },
    {
      key: 'nacos/mse-0123abcd-nacos-ans.mse.aliyuncs.com:8848/naming-roundtrip',
      category: 'nacos',
      label: 'Nacos naming-roundtrip',
      status: 'flapping',
      since: new Date(NOW - 30 * MINUTE).toISOString(),
    },
  ],
  silences: [
    {
      id: 'sil-7f3a',
      source: 'state',
      match: ['cn-shanghai/*'],
      end: new Date(NOW + 3 * HOUR).toISOString(),
      comment: 'VPN maintenance',
      createdBy: 'bob',
      matches: ['cn-shanghai/100.100.80.1:8848'],
    },
    { source: 'config', match: ['monitor/network'], end: new Date(NOW + DAY).toISOString(), matches: [] },
  ],
};
const html = renderStatusPage({ history, now: NOW, build: build_, alerts });
const expectedIncidents = incidents(history, { now: NOW, from: NOW - 7 * DAY });

describe('renderStatusPage (structure)', () => {
  it('the test history is what it claims: a failing, a simulated healthy and a stale region', () => {
    expect(Object.keys(history.regions)).toStrictEqual(['cn-beijing', 'cn-hangzhou', 'cn-shanghai']);
    expect(expectedIncidents.map((i) => [i.category, i.ongoing])).toStrictEqual([
      ['nacos', true],
      ['basic-info', true],
      [HOSTILE_CATEGORY, true],
      ['governance-rules', false],
      ['diagnostics', false],
    ]);
  });

  it('puts the verdict first: overall, then per region and category', () => {
    const verdict = html.indexOf('id="verdict"');
    expect(verdict).toBeGreaterThan(0);
    expect(verdict).toBeLessThan(html.indexOf('class="regions"'));
    expect(html.indexOf('class="regions"')).toBeLessThan(html.indexOf('<h2>Uptime</h2>'));
    expect(html).toMatch(/id="verdict" data-ok="false"/);
    expect(html).toContain('Problems found');
    expect(html).toContain('Problems in cn-hangzhou; no recent run from cn-shanghai.');
    expect(html).toContain('data-region="cn-hangzhou" data-verdict="fail"');
    expect(html).toContain('data-region="cn-beijing" data-verdict="ok"');
    expect(html).toContain('data-region="cn-shanghai" data-verdict="stale"');
    expect(html).toContain('data-category="basic-info" data-verdict="partial"');
    expect(html).toContain('data-category="arms-info" data-verdict="skipped"');
    expect(html).toContain('data-category="nacos" data-verdict="partial"');
    expect(html).toContain('China (Hangzhou)');
    // problems first, then stale, then healthy
    expect(
      [...html.matchAll(/<article class="region" data-region="([^"]+)"/g)].map((m) => m[1]),
    ).toStrictEqual(['cn-hangzhou', 'cn-shanghai', 'cn-beijing']);
  });

  it('says a simulation is a simulation', () => {
    const cards = html
      .slice(html.indexOf('class="regions"'), html.indexOf('<h2>Uptime</h2>'))
      .split('<article');
    const beijing = cards.find((card) => card.includes('data-region="cn-beijing"'));
    expect(beijing).toContain('<strong>SIMULATION</strong>');
    expect(cards.filter((card) => card.includes('SIMULATION'))).toHaveLength(1);
  });

  it('lists the incidents of the last 7 days, newest first, with cause, duration and endpoints', () => {
    const rows = html.match(/<li class="incident[ "]/g) ?? [];
    expect(rows).toHaveLength(expectedIncidents.length);
    expect(html).toContain('<strong>2h</strong> · 24 failed runs');
    expect(html).toContain('Cause: <strong>refused</strong>');
    expect(html).toContain('ONGOING');
    for (const t of diagnostics) expect(html).toContain(`<code class="token">${keyOf(t)}</code>`);
  });

  it("shows the last run's findings with symptom, cause and action", () => {
    const findings = html.slice(html.indexOf("<h2>Last run's findings</h2>"));
    expect(findings).toContain('<span class="field">Symptom</span>');
    expect(findings).toContain('<span class="field">Action</span> Allow outbound TCP to the partner gateway');
    expect(findings).toContain('Nacos naming-roundtrip failed');
    expect(findings).toContain('No problems found in the last run.');
  });

  it("shows an extra target's own uptime, and of a region's dozens of endpoints only those below 100 % this week", () => {
    const endpointRows = [
      ...html.matchAll(/<div class="uptime-endpoint"><div class="uptime-name">([^<]*)<\/div>/g),
    ].map((match) => match[1]);
    // the user's own target, named; its host escaped like everything foreign
    expect(endpointRows).toContain(
      'partner &lt;gw&gt; (&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.example:443)',
    );
    // the catalog endpoints that failed this week: the diagnostics outage (2 days ago), three governance IPs, basic-info
    for (const t of [...diagnostics, ...governance.slice(0, 3), basic])
      expect(endpointRows).toContain(keyOf(t));
    // and none of the healthy ones
    for (const t of governance.slice(3)) expect(endpointRows).not.toContain(keyOf(t));
  });

  it('escapes everything foreign', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('onerror="');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.example');
    expect(html).toContain(
      '&lt;/li&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;',
    );
    expect(html).toContain('partner &quot;api&quot; &lt;b&gt;');
  });

  it('is self-contained: no scripts, no links, nothing from a URL, a strict CSP', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toContain('http-equiv="refresh"');
    expect(renderStatusPage({ history, now: NOW, refreshSeconds: 60 })).toContain(
      '<meta http-equiv="refresh" content="60">',
    );
  });

  it('shows what is firing, who acknowledged it and until when, and the silences in force', () => {
    const section = html.slice(html.indexOf('<h2>Alerts</h2>'), html.indexOf('<h2>Uptime</h2>'));
    expect(html.indexOf('class="regions"')).toBeLessThan(html.indexOf('<h2>Alerts</h2>'));
    expect(html.indexOf('<h2>Alerts</h2>')).toBeLessThan(html.indexOf('<h2>Uptime</h2>'));
    const items = section.split('<li ').slice(1);
    expect(items).toHaveLength(4);
    const [acked, flapping, stored, fromConfig] = items as [string, string, string, string];
    expect(acked).toMatch(/^class="alert acked" data-status="firing" data-acked="true"/);
    expect(acked).toContain('ACKNOWLEDGED</span> by <strong>alice</strong>');
    expect(acked).toContain('until it resolves: reminders are held');
    expect(acked).toContain('<q>&lt;b&gt;on it&lt;/b&gt; &amp; &quot;rolling back&quot;</q>');
    expect(acked).toContain(`<code class="token">cn-hangzhou/${keyOf(governance[0]!)}</code>`);
    expect(acked).toContain('since</span> <time datetime="');
    expect(acked).toContain(' · 2h');
    expect(acked).toContain('timeout: no TCP handshake within 3000.0 ms');
    expect(flapping).toMatch(/^class="alert" data-status="flapping" data-acked="false"/);
    expect(flapping).toContain('FLAPPING');
    expect(flapping).toContain(
      'NOT ACKNOWLEDGED</span> <span class="muted">take it: <code>mse-watch ack nacos/mse-0123abcd-nacos-ans.mse.aliyuncs.com:8848/naming-roundtrip</code>',
    );
    expect(stored).toContain('SILENCED</span> until <time');
    expect(stored).toContain('by <strong>bob</strong> · <code>sil-7f3a</code> · <q>VPN maintenance</q>');
    expect(stored).toContain('holds back 1 key');
    expect(fromConfig).toContain('in the config');
    expect(fromConfig).toContain('matches nothing now');
    // the verdict says it too, before anything else
    expect(html.slice(html.indexOf('id="verdict"'), html.indexOf('class="regions"'))).toContain(
      '2 alerts firing, 1 acknowledged.',
    );
  });

  it('without alerting there is no alerts section; with nothing firing it says so', () => {
    const none = renderStatusPage({ history, now: NOW, build: build_ });
    expect(none).not.toContain('<h2>Alerts</h2>');
    expect(none).not.toContain('alerts firing');
    const quiet = renderStatusPage({ history, now: NOW, alerts: { troubles: [], silences: [] } });
    expect(quiet).toContain('<h2>Alerts</h2>');
    expect(quiet).toContain('Nothing is firing.');
    expect(quiet).not.toContain('Silences in force');
    const allTaken = renderStatusPage({
      history,
      now: NOW,
      alerts: { troubles: [alerts.troubles[0]!], silences: [] },
    });
    expect(allTaken).toContain('1 alert firing, acknowledged.');
  });

  it('is a pure function of history and time; an empty history says there is nothing yet', () => {
    expect(renderStatusPage({ history, now: NOW, build: build_, alerts })).toBe(html);
    const empty = renderStatusPage({ history: freshHistory(), now: NOW });
    expect(empty).toContain('No runs yet');
    expect(empty).toContain('data-ok="false"');
  });

  it('an all-healthy history says so', () => {
    let healthy = freshHistory();
    for (let at = NOW - HOUR; at < NOW; at += STEP) {
      healthy = appendRun(healthy, makeRun('cn-beijing', at, beijing), at);
    }
    const page = renderStatusPage({ history: healthy, now: NOW });
    expect(page).toContain('id="verdict" data-ok="true"');
    expect(page).toContain('All checks OK');
    expect(page).toContain('No incidents in the last 7 days.');
  });
});

/** A Chromium that is not there fails these tests with the fix; it does not skip them. */
const launch = (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
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
};

type Layout = {
  scrollWidth: number;
  clientWidth: number;
  verdict: { top: number; bottom: number; visible: boolean };
  regionLefts: number[];
  incidentRows: number;
  visibleIncidentRows: number;
  broken: string[];
  words: number;
};

/**
 * Runs in the page (the tsconfig has no DOM lib, so browser globals come through globalThis): where things
 * are, and every word whose letters land on two lines with the break between two letters or digits.
 */
const measure = (): Layout => {
  // biome-ignore lint/suspicious/noExplicitAny: browser globals inside page.evaluate
  const w = globalThis as any;
  const doc = w.document;
  const box = doc.getElementById('verdict').getBoundingClientRect();
  const style = w.getComputedStyle(doc.getElementById('verdict'));
  const walker = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */);
  const broken: string[] = [];
  let words = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text: string = node.textContent ?? '';
    for (const match of text.matchAll(/\S+/g)) {
      words++;
      const range = doc.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map((r: { top: number }) => Math.round(r.top)));
      if (lines.size <= 1) continue;
      // find where it broke: a break after "-" or "/" is a normal wrap point, between two letters it is not
      let previousTop: number | undefined;
      for (let i = 0; i < match[0].length; i++) {
        const char = doc.createRange();
        char.setStart(node, match.index + i);
        char.setEnd(node, match.index + i + 1);
        const top = Math.round(char.getBoundingClientRect().top);
        if (previousTop !== undefined && top > previousTop + 2) {
          const before = match[0][i - 1] ?? '';
          const after = match[0][i] ?? '';
          if (/[\p{L}\p{N}]/u.test(before) && /[\p{L}\p{N}]/u.test(after)) broken.push(match[0]);
        }
        previousTop = top;
      }
    }
  }
  const incidents = [...doc.querySelectorAll('li.incident')];
  return {
    scrollWidth: doc.documentElement.scrollWidth,
    clientWidth: doc.documentElement.clientWidth,
    verdict: { top: box.top, bottom: box.bottom, visible: style.visibility !== 'hidden' && box.height > 0 },
    regionLefts: [...doc.querySelectorAll('article.region')].map(
      (el: { getBoundingClientRect(): { left: number } }) => Math.round(el.getBoundingClientRect().left),
    ),
    incidentRows: incidents.length,
    visibleIncidentRows: incidents.filter(
      (el: { getBoundingClientRect(): { height: number } }) => el.getBoundingClientRect().height > 0,
    ).length,
    broken,
    words,
  };
};

describe(`renderStatusPage in headless Chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ['phone', 390, 844],
    ['desktop', 1400, 900],
  ] as const)('%s (%i px): verdict in the first viewport, no sideways scroll, no word cut, incidents listed', async (name, width, height) => {
    const page = await browser.newPage({ viewport: { width, height } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.setContent(html, { waitUntil: 'load' });
    const layout = await page.evaluate(measure);

    expect(layout.verdict.visible).toBe(true);
    expect(layout.verdict.top).toBeGreaterThanOrEqual(0);
    expect(layout.verdict.bottom).toBeLessThanOrEqual(height);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
    expect(layout.words).toBeGreaterThan(500);
    expect(layout.broken).toStrictEqual([]);
    expect(layout.incidentRows).toBe(expectedIncidents.length);
    expect(layout.visibleIncidentRows).toBe(expectedIncidents.length);
    // the region cards stack on a phone and sit side by side on a desktop
    expect(new Set(layout.regionLefts).size).toBe(name === 'phone' ? 1 : 3);
    // the first region's verdict is also above the fold on both
    const firstRegion = await page.locator('article.region').first().boundingBox();
    expect(firstRegion?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(height);

    mkdirSync(artifacts, { recursive: true });
    const shot = await page.screenshot({ path: `${artifacts}status-${name}.png`, fullPage: true });
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    await page.screenshot({ path: `${artifacts}status-${name}-first-screen.png` });
    writeFileSync(`${artifacts}status.html`, html);
    expect(requests).toStrictEqual([]);
    expect(errors).toStrictEqual([]);
    await page.close();
  });

  it('the word check really catches a word cut in the middle', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.setContent(
      `${html.replace('</style>', '.chip-name{word-break:break-all;display:inline-block;width:40px}</style>')}`,
      { waitUntil: 'load' },
    );
    const layout = await page.evaluate(measure);
    expect(layout.broken.length).toBeGreaterThan(0);
    await page.close();
  });
});
