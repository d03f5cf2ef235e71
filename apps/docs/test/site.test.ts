import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH, launchChromium } from '@adamw/conformance/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVENTION_RECIPES } from '../src/conventions';
import { DIST, REPO, ensureBuilt } from './build';
import { serveStatic, type StaticSite } from './static-server';

// Builds the site (or reuses a fresh build), serves it on loopback and walks
// every internal link in Debian's Chromium, headless (and, for the page that
// trains in the browser, a second Chromium with WebGL on SwiftShader).

const PACKAGES = ['core', 'trainer', 'tfjs', 'onnxruntime'];

interface Visit {
  path: string;
  status: number;
  /** Console errors, uncaught exceptions and failed requests while loading. */
  errors: string[];
  /** Images that did not load. */
  brokenImages: string[];
  /** Element ids on the page (the targets of #fragments). */
  ids: Set<string>;
  title: string;
}

let site: StaticSite;
let browser: Browser;
let context: BrowserContext;
const visits = new Map<string, Visit>();
/** Links by target path: the pages that link there and the fragments they use. */
const linksTo = new Map<string, { from: Set<string>; fragments: Set<string> }>();
let buildNote = '';

function note(target: URL, from: string): void {
  const entry = linksTo.get(target.pathname) ?? { from: new Set(), fragments: new Set() };
  entry.from.add(from);
  if (target.hash.length > 1) entry.fragments.add(decodeURIComponent(target.hash.slice(1)));
  linksTo.set(target.pathname, entry);
}

/** Normalises a page path: VitePress links pages without .html, and / is /index. */
function pagePath(pathname: string): string {
  return pathname.replace(/\.html$/, '').replace(/\/index$/, '/');
}

const isPage = (pathname: string) => !/\.[a-z0-9]+$/i.test(pathname) || pathname.endsWith('.html');

async function visit(page: Page, path: string): Promise<Visit> {
  const errors: string[] = [];
  const onConsole = (m: { type(): string; text(): string }) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  };
  const onPageError = (e: Error) => errors.push(`exception: ${e.message}`);
  const onResponse = (r: { status(): number; url(): string }) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  };
  const onFailed = (r: { url(): string; failure(): { errorText: string } | null }) => {
    // Leaving a page cancels VitePress's prefetches of the pages it links to;
    // a missing file shows up as a response status above instead.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onPageError);
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  try {
    const response = await page.goto(site.url + path, { waitUntil: 'load' });
    const status = response?.status() ?? 0;
    // Vue marks the container once the app has hydrated; then wait for the
    // images and two frames for anything rendered after it.
    await page.waitForFunction(() => '__vue_app__' in (document.querySelector('#app') ?? {}));
    await page.waitForFunction(() => [...document.images].every((img) => img.complete));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const found = await page.evaluate(() => ({
      hrefs: [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href),
      broken: [...document.images].filter((img) => img.naturalWidth === 0).map((img) => img.currentSrc || img.src),
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
      title: document.title,
    }));
    for (const href of found.hrefs) {
      const target = new URL(href);
      if (target.origin === site.url) note(target, path);
    }
    return { path, status, errors, brokenImages: found.broken, ids: new Set(found.ids), title: found.title };
  } finally {
    page.off('console', onConsole);
    page.off('pageerror', onPageError);
    page.off('response', onResponse);
    page.off('requestfailed', onFailed);
  }
}

/** Visits every page reachable from / over internal links, two tabs at a time. */
async function crawl(): Promise<void> {
  const queue = ['/'];
  const seen = new Set(queue);
  const worker = async () => {
    const page = await context.newPage();
    try {
      for (;;) {
        const path = queue.shift();
        if (path === undefined) {
          // Another tab may still be adding links.
          if (busy === 0) return;
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        busy++;
        try {
          visits.set(path, await visit(page, path));
        } finally {
          busy--;
        }
        for (const target of linksTo.keys()) {
          const p = isPage(target) ? pagePath(target) : target;
          if (!seen.has(p) && isPage(target)) {
            seen.add(p);
            queue.push(p);
          }
        }
      }
    } finally {
      await page.close();
    }
  };
  let busy = 0;
  await Promise.all([worker(), worker()]);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: the docs' browser test drives Debian's Chromium (apt-get install chromium); it never downloads a browser`);
  }
  buildNote = await ensureBuilt();
  site = await serveStatic(DIST);
  browser = await launchChromium({ graphics: 'none' });
  context = await browser.newContext();
  await crawl();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await site?.close();
});

describe('the built site', () => {
  it('is crawled from the home page', () => {
    console.log(`docs site: ${buildNote}; ${visits.size} pages visited`);
    expect(visits.get('/')?.status).toBe(200);
    expect(visits.size).toBeGreaterThan(20);
  });

  it('has no dead internal link', () => {
    const dead = [...visits.values()]
      .filter((v) => v.status !== 200)
      .map((v) => `${v.path} (${v.status}) linked from ${[...(linksTo.get(v.path)?.from ?? [])].join(', ')}`);
    expect(dead).toEqual([]);
  });

  it('links only to fragments that exist', () => {
    const missing: string[] = [];
    for (const [target, { fragments, from }] of linksTo) {
      const v = visits.get(pagePath(target));
      if (!v || !isPage(target)) continue;
      for (const f of fragments) if (!v.ids.has(f)) missing.push(`${target}#${f} (from ${[...from].slice(0, 3).join(', ')})`);
    }
    expect(missing).toEqual([]);
  });

  it('serves every linked file that is not a page', async () => {
    const files = [...linksTo.keys()].filter((p) => !isPage(p));
    for (const file of files) {
      const response = await context.request.get(site.url + file);
      expect(response.status(), file).toBe(200);
    }
  });

  it('logs no console error, throws nothing and requests nothing that fails', () => {
    const errors = [...visits.values()].flatMap((v) => v.errors.map((e) => `${v.path}: ${e}`));
    expect(errors).toEqual([]);
  });

  it('has no broken image', () => {
    const broken = [...visits.values()].flatMap((v) => v.brokenImages.map((src) => `${v.path}: ${src}`));
    expect(broken).toEqual([]);
  });

  it('has API pages for every public package', () => {
    for (const name of PACKAGES) {
      const prefix = `/api/@adamw/${name}/`;
      const pages = [...visits.keys()].filter((p) => p.startsWith(prefix));
      expect(pages.length, `API pages under ${prefix}`).toBeGreaterThan(1);
      expect(visits.get(prefix)?.title, `${prefix} title`).toContain(`@adamw/${name}`);
    }
  });

  it('reaches every page of docs/ by links', () => {
    const pages = (dir: string, prefix: string): string[] =>
      readdirSync(join(dir)).flatMap((name) => {
        const path = join(dir, name);
        if (name === 'api' && prefix === '/') return [];
        if (statSync(path).isDirectory()) return pages(path, `${prefix}${name}/`);
        if (!name.endsWith('.md') || name === 'README.md') return [];
        return [name === 'index.md' ? prefix : `${prefix}${name.slice(0, -3)}`];
      });
    const unreached = pages(join(REPO, 'docs'), '/').filter((p) => !visits.has(p));
    expect(unreached).toEqual([]);
  });

  it('has a guide per package', () => {
    for (const name of PACKAGES) expect(visits.get(`/guide/${name}`)?.status, name).toBe(200);
  });
});

describe('pages', () => {
  let page: Page;
  beforeAll(async () => {
    page = await context.newPage();
  });
  afterAll(async () => {
    await page.close();
  });

  it('the comparisons page shows its pictures and tables', async () => {
    await page.goto(`${site.url}/comparisons`, { waitUntil: 'networkidle' });
    const figures = page.locator('.adamw-figures img');
    await figures.first().waitFor();
    const sizes = await figures.evaluateAll((imgs) => imgs.map((i) => ({ src: (i as HTMLImageElement).src, w: (i as HTMLImageElement).naturalWidth })));
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    for (const s of sizes) expect(s.w, s.src).toBeGreaterThan(0);
    expect(await page.locator('.adamw-missing').count()).toBe(0);
    // One conformance row per adapter and dtype, at least the four packages.
    const adapters = await page.locator('.adamw-conformance tbody tr td:first-child').allTextContents();
    for (const name of PACKAGES)
      expect(
        adapters.some((a) => a.startsWith(name)),
        `conformance row for ${name}`,
      ).toBe(true);
    // The experiment's summary (Adam with L2 and AdamW at least) and a table per package's benchmarks.
    expect(await page.locator('.adamw-experiment tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.adamw-json-table').count()).toBeGreaterThanOrEqual(PACKAGES.length);
    // The report the experiment writes is a page of its own, with its pictures.
    await page.goto(`${site.url}/data/adam-vs-adamw/report`, { waitUntil: 'networkidle' });
    const reportImages = await page.locator('.vp-doc img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(reportImages.length).toBeGreaterThanOrEqual(2);
    for (const w of reportImages) expect(w).toBeGreaterThan(0);
  });

  it('the conventions page shows one row per framework', async () => {
    await page.goto(`${site.url}/conventions`, { waitUntil: 'networkidle' });
    const rows = page.locator('tr[id^="convention-"]');
    expect(await page.locator('tr[id^="options-"]').count()).toBe(CONVENTION_RECIPES.length);
    expect(await rows.count()).toBe(CONVENTION_RECIPES.length);
    expect(await rows.first().textContent()).toContain('PyTorch');
  });

  it('the changelog page lists the unreleased changesets', async () => {
    const pending = readdirSync(join(REPO, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    await page.goto(`${site.url}/changelog`, { waitUntil: 'networkidle' });
    expect(await page.locator('.adamw-pending-change').count()).toBe(pending.length);
    for (const name of PACKAGES) expect(await page.locator(`a[href$="packages/${name}/CHANGELOG.md"]`).count(), name).toBe(1);
  });

  it(
    'the onnxruntime guide fine-tunes a model in the page with onnxruntime-web, when asked',
    async () => {
      const errors: string[] = [];
      const onConsole = (m: { type(): string; text(): string }) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      };
      const onPageError = (e: Error) => errors.push(`exception: ${e.message}`);
      const wasm: { url: string; status: number; type: string | undefined }[] = [];
      const onResponse = (r: { url(): string; status(): number; headers(): Record<string, string> }) => {
        if (r.url().endsWith('.wasm')) wasm.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
      };
      page.on('console', onConsole);
      page.on('pageerror', onPageError);
      page.on('response', onResponse);
      try {
        await page.goto(`${site.url}/guide/onnxruntime`, { waitUntil: 'networkidle' });
        const widget = page.locator('.adamw-ort-fine-tune');
        // Nothing of ONNX Runtime is fetched until the button is pressed.
        expect(wasm).toEqual([]);
        await widget.locator('button').click();
        await page.locator('.adamw-ort-fine-tune:is([data-state="done"], [data-state="failed"])').waitFor({ timeout: 8 * 60_000 });
        const output = (await widget.locator('pre').textContent()) ?? '';
        console.log(`fine-tuned in Chromium:\n${output}`);
        expect(await widget.getAttribute('data-state'), output).toBe('done');
        expect(output).toMatch(/hidden layers unchanged: true/);
        expect(Number(/new task: accuracy (\S+)/.exec(output)?.[1])).toBeGreaterThan(0.9);
        // ORT's binary, served by the site itself (copied there by the build).
        expect(wasm).toHaveLength(1);
        expect(wasm[0]).toMatchObject({ status: 200, type: 'application/wasm' });
        expect(new URL(wasm[0]!.url).origin).toBe(site.url);
        expect(errors).toEqual([]);
      } finally {
        page.off('console', onConsole);
        page.off('pageerror', onPageError);
        page.off('response', onResponse);
      }
    },
    10 * 60_000,
  );

  it('the tfjs guide trains a model on WebGL in the page', async () => {
    const gl = await launchChromium({ graphics: 'webgl' });
    try {
      const glPage = await gl.newPage();
      const errors: string[] = [];
      glPage.on('pageerror', (e) => errors.push(e.message));
      await glPage.goto(`${site.url}/guide/tfjs`, { waitUntil: 'networkidle' });
      const demo = glPage.locator('.adamw-webgl-demo');
      await demo.locator('button').click();
      await glPage.waitForSelector('.adamw-webgl-demo[data-state="done"], .adamw-webgl-demo[data-state="failed"]', { timeout: 200_000 });
      const output = (await demo.locator('.adamw-webgl-output').textContent()) ?? '';
      expect(await demo.getAttribute('data-state'), output).toBe('done');
      expect(output).toMatch(/backend webgl, AdamW on its 'ops' path, 520 steps/);
      expect(Number(/accuracy (\S+)/.exec(output)?.[1])).toBeGreaterThan(0.95);
      expect(errors).toEqual([]);
    } finally {
      await gl.close();
    }
  });

  it('renders the math on Why AdamW', async () => {
    await page.goto(`${site.url}/why-adamw`, { waitUntil: 'networkidle' });
    expect(await page.locator('mjx-container').count()).toBeGreaterThan(10);
    const first = await page.locator('mjx-container svg').first().boundingBox();
    expect(first?.width ?? 0).toBeGreaterThan(0);
  });

  it('finds pages with the local search', async () => {
    await page.goto(`${site.url}/`, { waitUntil: 'networkidle' });
    await page.locator('.VPNavBarSearch button').first().click();
    const input = page.locator('.VPLocalSearchBox input');
    await input.waitFor();
    await input.fill('normalized weight decay');
    const results = page.locator('.VPLocalSearchBox .results li');
    await results.first().waitFor();
    expect(await results.count()).toBeGreaterThan(0);
    const text = (await results.allTextContents()).join('\n');
    expect(text).toMatch(/Why AdamW/);
    // Choosing a result opens that page.
    await input.press('Enter');
    await page.waitForURL((url) => url.pathname !== '/');
    expect(new URL(page.url()).pathname).not.toBe('/');
  });
});
