import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bundleForBrowser, type Bundle, type BundleOptions } from './bundle';
import { launchChromium, type LaunchOptions } from './chromium';
import { PAGE_GLOBAL, type GraphicsInfo, type PageApi } from './in-page';
import { serveFiles, type ServeOptions, type ServedSite, type SiteFiles } from './server';

/** Options of {@link openPage}. */
export interface PageOptions extends LaunchOptions, BundleOptions, ServeOptions {
  /**
   * The page's module: a file to bundle (its top level calls `expose` from
   * `in-page.ts`), or a bundle made earlier with `bundleForBrowser`, which
   * saves bundling again when many pages run the same code.
   */
  entry: string | Bundle;
  /** More files to serve next to the page (`/model.onnx`, `/ort.wasm`), by URL path. */
  files?: SiteFiles;
  /** The page's title. */
  title?: string;
  /** How long the page may take to load and call `expose`. Default 120 s. */
  readyTimeoutMs?: number;
  /** How long one `call` may take. Default 600 s. */
  callTimeoutMs?: number;
  /**
   * Where console errors, uncaught exceptions and failed requests of the page
   * are forwarded as they happen, one line each. Default: standard error;
   * `null` keeps them only in `PageSession.errors`.
   */
  log?: ((line: string) => void) | null;
}

/** One console message of the page. */
export interface ConsoleEntry {
  type: string;
  text: string;
}

type Input<F> = F extends (input: infer I) => unknown ? I : never;

/** A page in Chromium running a bundled entry, and the means to call into it. */
export interface PageSession<A extends PageApi = PageApi> {
  /** The page's address on loopback. */
  url: string;
  page: Page;
  browser: Browser;
  /** Every console message so far. */
  console: ConsoleEntry[];
  /** Console errors, uncaught exceptions and failed requests so far. */
  errors: string[];
  /**
   * Calls the function `name` that the entry exposed, with `input`
   * (JSON-serialisable), and resolves to its result. Rejects with the page's
   * error (and the console errors logged during the call) when it throws, the
   * page crashes or the call outlasts `timeoutMs`.
   */
  call<K extends keyof A & string>(name: K, input?: Input<A[K]>, options?: { timeoutMs?: number }): Promise<Awaited<ReturnType<A[K]>>>;
  /** The page's WebGL 2 and WebGPU, as the page sees them. */
  graphics(): Promise<GraphicsInfo>;
  /** Closes the page, the browser and the server; safe to call twice. */
  close(): Promise<void>;
}

function htmlPage(title: string): string {
  const escaped = title.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escaped}</title></head>\n<body><script type="module" src="/bundle.js"></script></body></html>\n`;
}

function timeout(ms: number, what: string): { promise: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

function withErrors(message: string, errors: readonly string[]): string {
  return errors.length === 0 ? message : `${message}\npage errors:\n  ${errors.slice(-20).join('\n  ')}`;
}

/**
 * Bundles the entry (unless given a bundle), serves it on loopback, launches
 * Debian's Chromium headless and opens the page; resolves once the entry has
 * called `expose`. The caller must `close()` the session (see
 * {@link withPage}, which always does). If anything fails on the way, what
 * was started is closed before the error is thrown.
 */
export async function openPage<A extends PageApi = PageApi>(options: PageOptions): Promise<PageSession<A>> {
  const bundle = typeof options.entry === 'string' ? await bundleForBrowser(options.entry, options) : options.entry;
  const log = options.log === undefined ? (line: string) => process.stderr.write(`chromium: ${line}\n`) : options.log;
  let site: ServedSite | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // Each step is tried whatever happened to the one before.
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await site?.close().catch(() => undefined);
  };
  try {
    site = await serveFiles({ '/index.html': htmlPage(options.title ?? bundle.entry), '/bundle.js': bundle.code, ...options.files }, options);
    browser = await launchChromium(options);
    context = await browser.newContext();
    const page = await context.newPage();
    const consoleEntries: ConsoleEntry[] = [];
    const errors: string[] = [];
    const fail = (line: string) => {
      errors.push(line);
      log?.(line);
    };
    let crashed: ((e: Error) => void) | undefined;
    const crash = new Promise<never>((_, reject) => {
      crashed = reject;
    });
    crash.catch(() => undefined);
    page.on('console', (m) => {
      consoleEntries.push({ type: m.type(), text: m.text() });
      if (m.type() === 'error') fail(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => fail(`uncaught: ${e.stack ?? e.message}`));
    page.on('requestfailed', (r) => fail(`request failed: ${r.url()} (${r.failure()?.errorText ?? 'unknown'})`));
    page.on('response', (r) => {
      if (r.status() >= 400) fail(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('crash', () => crashed?.(new Error('the page crashed (out of memory, or the renderer died)')));

    const ready = timeout(options.readyTimeoutMs ?? 120_000, `loading ${bundle.entry} in Chromium`);
    const loadFailed = new Promise<never>((_, reject) => {
      page.once('pageerror', (e) => reject(new Error(`${bundle.entry} threw while loading: ${e.message}`)));
    });
    loadFailed.catch(() => undefined);
    try {
      await page.goto(site.url, { waitUntil: 'load' });
      await Promise.race([
        page.waitForFunction((key) => (globalThis as unknown as Record<string, { ready?: boolean } | undefined>)[key]?.ready === true, PAGE_GLOBAL, {
          timeout: 0,
          polling: 50,
        }),
        loadFailed,
        crash,
        ready.promise,
      ]);
    } catch (e) {
      throw new Error(withErrors((e as Error).message, errors));
    } finally {
      ready.cancel();
    }

    const callTimeoutMs = options.callTimeoutMs ?? 600_000;
    const invoke = async (fn: string, name: string, input: unknown, timeoutMs: number): Promise<unknown> => {
      const errorsBefore = errors.length;
      const limit = timeout(timeoutMs, `${name} in Chromium`);
      try {
        return await Promise.race([
          page.evaluate(
            ([key, kind, n, arg]) => {
              const host = (globalThis as unknown as Record<string, Record<string, unknown>>)[key]!;
              const target = kind === 'api' ? (host.api as Record<string, (x: unknown) => unknown>)[n] : (host[n] as (x: unknown) => unknown);
              if (typeof target !== 'function') throw new Error(`the page exposes no function '${n}'`);
              return target(arg);
            },
            [PAGE_GLOBAL, fn, name, input] as const,
          ),
          crash,
          limit.promise,
        ]);
      } catch (e) {
        const message = (e as Error).message.replace(/^page\.evaluate: /, '');
        throw new Error(withErrors(`${name} in Chromium failed: ${message}`, errors.slice(errorsBefore)));
      } finally {
        limit.cancel();
      }
    };
    return {
      url: site.url,
      page,
      browser,
      console: consoleEntries,
      errors,
      call: (name, input, callOptions) => invoke('api', name, input, callOptions?.timeoutMs ?? callTimeoutMs) as never,
      graphics: () => invoke('host', 'graphics', undefined, callTimeoutMs) as Promise<GraphicsInfo>,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Opens a page, runs `fn` with it and always closes it, whatever `fn` does. */
export async function withPage<A extends PageApi, T>(options: PageOptions, fn: (session: PageSession<A>) => Promise<T>): Promise<T> {
  const session = await openPage<A>(options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
