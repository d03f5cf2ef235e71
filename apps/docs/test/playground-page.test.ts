import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureBuilt } from './build';
import { serveStatic, type StaticSite } from './static-server';

// The playground page in Debian's Chromium: it trains in its worker, the
// charts redraw as updates arrive, and nothing logs an error. Every wait is
// for a state of the page, with generous limits for a loaded machine; no
// assertion is about time.

const CHROMIUM = '/usr/bin/chromium';
const WAIT = { timeout: 300_000 };

let site: StaticSite;
let browser: Browser;
let page: Page;
const errors: string[] = [];

const attr = (name: string) => page.locator('.adamw-playground').getAttribute(name);
const canvas = (chart: string) =>
  page.evaluate((c) => (document.querySelector(`[data-chart="${c}"] canvas`) as HTMLCanvasElement | null)?.toDataURL() ?? '', chart);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the playground test drives Debian's Chromium; it never downloads a browser`);
  await ensureBuilt();
  site = await serveStatic(DIST);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`exception: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(`${site.url}/playground`, { waitUntil: 'load' });
  await page.waitForSelector('.adamw-playground[data-state="idle"]', WAIT);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('the playground page', () => {
  it('trains Adam with L2 and AdamW side by side and redraws the charts as it goes', async () => {
    await page.selectOption('select[name="epochs"]', '20');
    const before = { loss: await canvas('loss'), histogram: await canvas('histogram') };
    // Every value the update counter and the redraw counter take, recorded in the page as they change.
    await page.evaluate(() => {
      const root = document.querySelector('.adamw-playground')!;
      const seen = { steps: [] as number[], draws: [] as number[] };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        const step = Number(root.getAttribute('data-step'));
        const draws = Number(root.getAttribute('data-draws'));
        if (step !== seen.steps[seen.steps.length - 1]) seen.steps.push(step);
        if (draws !== seen.draws[seen.draws.length - 1]) seen.draws.push(draws);
      }).observe(root, { attributes: true });
    });
    await page.click('.adamw-playground-start');
    await page.waitForSelector('.adamw-playground[data-state="done"]', WAIT);
    const seen = await page.evaluate(() => (window as unknown as { seen: { steps: number[]; draws: number[] } }).seen);
    const total = 20 * Math.ceil(1000 / 64);
    // The counter moved through several values on its way to the end, and the charts were redrawn more than once.
    expect(seen.steps.length).toBeGreaterThanOrEqual(3);
    expect([...seen.steps].sort((a, b) => a - b)).toEqual(seen.steps);
    expect(seen.steps[seen.steps.length - 1]).toBe(total);
    expect(seen.draws.length).toBeGreaterThanOrEqual(2);
    const after = { loss: await canvas('loss'), error: await canvas('error'), histogram: await canvas('histogram') };
    expect(after.loss).not.toBe(before.loss);
    expect(after.histogram).not.toBe(before.histogram);
    expect(after.error.length).toBeGreaterThan(1000);
    const status = await page.locator('.adamw-playground-status').textContent();
    expect(status).toMatch(new RegExp(`update ${total} of ${total};\\s+Adam with L2: test error \\d+\\.\\d%; AdamW: \\d+\\.\\d%`));
  }, 600_000);

  it('fills in the coarse grid cell by cell, and stops when asked', async () => {
    await page.selectOption('select[name="mode"]', 'grid');
    await page.click('.adamw-playground-start');
    await page.waitForFunction(() => Number(document.querySelector('.adamw-playground')!.getAttribute('data-cells')) >= 2, undefined, WAIT);
    const grid = await canvas('grid-adamw');
    expect(grid.length).toBeGreaterThan(1000);
    // Clicked in the page, so that a grid that finished meanwhile (a fast machine) is not an error: then it is done, whole.
    const clicked = await page.evaluate(() => {
      const stop = document.querySelector<HTMLButtonElement>('.adamw-playground-stop');
      stop?.click();
      return stop !== null;
    });
    await page.waitForSelector('.adamw-playground[data-state="stopped"], .adamw-playground[data-state="done"]', WAIT);
    const state = await attr('data-state');
    const cells = Number(await attr('data-cells'));
    const status = await page.locator('.adamw-playground-status').textContent();
    if (state === 'stopped') {
      expect(clicked).toBe(true);
      expect(cells).toBeLessThan(32);
      expect(status).toMatch(new RegExp(`${cells} of 32 runs of 4 epochs \\(stopped\\)`));
    } else {
      expect(cells).toBe(32);
    }
    expect(cells).toBeGreaterThanOrEqual(2);
  }, 600_000);

  it('logs no console error and requests nothing that fails', () => {
    expect(errors).toEqual([]);
  });
});
