import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import { type Service, type ServiceEvent, startService } from '../../shared/service/index.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';

// The page `mse-watch serve` serves, in headless Chromium at phone and desktop widths, fetched over HTTP from
// the running service (not rendered in the test): what a browser pointed at :9860 gets.

const CHROMIUM = '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../artifacts/service/', import.meta.url));

let open: Listening;
let closedPort: number;
let dir: string;
let service: Service;
let browser: Browser;
const controller = new AbortController();
const events: ServiceEvent[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package, as .ci/run does`);
  open = await tcpListener((socket) => socket.end());
  const closed = await tcpListener();
  closedPort = closed.port;
  await closed.close();
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-page-'));
  service = await startService(
    parseConfig({
      targets: [
        { host: '127.0.0.1', port: open.port, name: 'api gateway', mode: 'tcp', category: 'listening' },
        { host: '127.0.0.1', port: closedPort, name: 'legacy nacos', mode: 'tcp', category: 'closed' },
      ],
      probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
      state: { dir },
    }),
    {
      everyMs: 60_000,
      listen: { host: '127.0.0.1', port: 0 },
      build: { version: '0.1.0', catalogVersion: 'test' },
      signal: controller.signal,
    },
    { log: (event) => events.push(event) },
  );
  const deadline = Date.now() + 10_000;
  while (!events.some((event) => event.kind === 'run')) {
    if (Date.now() > deadline) throw new Error('no run within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  mkdirSync(artifacts, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  controller.abort();
  await service?.done;
  await open?.close();
  await rm(dir, { recursive: true, force: true });
});

type Seen = {
  scrollWidth: number;
  clientWidth: number;
  verdict: { top: number; bottom: number; text: string };
  uptime: Array<{ subject: string; value: string; visible: boolean }>;
  title: string;
};

const look = (): Seen => {
  // biome-ignore lint/suspicious/noExplicitAny: browser globals inside page.evaluate
  const doc = (globalThis as any).document;
  const verdict = doc.getElementById('verdict');
  const box = verdict.getBoundingClientRect();
  return {
    scrollWidth: doc.documentElement.scrollWidth,
    clientWidth: doc.documentElement.clientWidth,
    verdict: { top: box.top, bottom: box.bottom, text: verdict.textContent.trim() },
    uptime: [...doc.querySelectorAll('.uptime-row')].map(
      (row: {
        dataset: { subject: string };
        querySelector(s: string): { textContent: string };
        getBoundingClientRect(): { height: number; width: number };
      }) => ({
        subject: row.dataset.subject,
        value: row.querySelector('.bar-value').textContent,
        visible: row.getBoundingClientRect().height > 0 && row.getBoundingClientRect().width > 0,
      }),
    ),
    title: doc.title,
  };
};

describe('the served status page in headless Chromium', () => {
  it.each([
    ['phone', 390, 844],
    ['desktop', 1400, 900],
  ] as const)('%s (%i px): the verdict first, both targets with their uptime, nothing loaded but the page', async (name, width, height) => {
    const page = await browser.newPage({ viewport: { width, height } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    const response = await page.goto(service.url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const seen = await page.evaluate(look);
    await page.screenshot({ path: join(artifacts, `served-${name}.png`), fullPage: true });
    await page.close();

    expect(seen.title).toBe('NOT OK · mse-watch status');
    expect(seen.verdict.text).toContain('Problems found');
    expect(seen.verdict.top).toBeGreaterThanOrEqual(0);
    expect(seen.verdict.bottom).toBeLessThanOrEqual(height);
    expect(seen.scrollWidth).toBeLessThanOrEqual(seen.clientWidth);
    expect(seen.uptime).toEqual([
      { subject: 'run', value: '0.00 %', visible: true },
      { subject: 'listening', value: '100 %', visible: true },
      { subject: 'closed', value: '0.00 %', visible: true },
    ]);
    expect(requests).toEqual([service.url]);
    expect(errors).toEqual([]);
  });
});
