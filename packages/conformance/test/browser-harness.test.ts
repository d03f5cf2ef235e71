import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser, openPage, withPage, type PageSession } from '../src/browser/index';
import type { EchoApi } from './browser/echo-page';

const ECHO = fileURLToPath(new URL('./browser/echo-page.ts', import.meta.url));
const BROKEN = fileURLToPath(new URL('./browser/broken-page.ts', import.meta.url));

describe('the Chromium harness', () => {
  let session: PageSession<EchoApi>;
  beforeAll(async () => {
    session = await openPage<EchoApi>({ entry: ECHO, graphics: 'webgl', log: null });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('calls an exposed function with JSON in and JSON out', async () => {
    const out = await session.call('echo', { values: [1, 2, 3.5], label: 'fixture' });
    expect(out.sum).toBe(6.5);
    expect(out.label).toBe('FIXTURE');
    expect(await session.call('noInput')).toBe('object');
    expect(await session.call('later', 10)).toBe('done');
  });

  it("rejects with the page's error and the console errors logged during the call", async () => {
    const error = await session.call('fail', 'bad input').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/fail in Chromium failed: RangeError: bad input/);
    expect(error?.message).toMatch(/console\.error: about to fail: bad input/);
    expect(session.errors.some((e) => e.includes('about to fail'))).toBe(true);
  });

  it('names a function the page does not expose', async () => {
    await expect(session.call('missing' as 'noInput')).rejects.toThrow(/exposes no function 'missing'/);
  });

  it('gives up on a call that outlasts its timeout', async () => {
    await expect(session.call('later', 5_000, { timeoutMs: 200 })).rejects.toThrow(/later in Chromium did not finish within 0 s/);
  });

  it('reports WebGL 2 on SwiftShader from a loopback page', async () => {
    expect(session.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const info = await session.graphics();
    expect(info.webgl2?.renderer).toMatch(/SwiftShader/);
    expect(info.webgl2?.floatColorBuffer).toBe(true);
    expect(info.userAgent).toMatch(/Chrome\//);
  });
});

describe('launching and closing', () => {
  it('closes the browser and the server, also when the callback throws', async () => {
    let kept: PageSession | undefined;
    await expect(
      withPage({ entry: await bundleForBrowser(ECHO), graphics: 'none', log: null }, async (s) => {
        kept = s;
        throw new Error('callback failed');
      }),
    ).rejects.toThrow('callback failed');
    expect(kept?.browser.isConnected()).toBe(false);
    await expect(fetch(kept!.url)).rejects.toThrow();
    await kept?.close();
  });

  it('refuses a page whose module throws while loading, naming the entry', async () => {
    await expect(openPage({ entry: BROKEN, graphics: 'none', log: null })).rejects.toThrow(/threw while loading: the page could not start/);
  });

  it('refuses to bundle an entry that imports Node built-ins, as a browser bundler does', async () => {
    const nodeOnly = fileURLToPath(new URL('../src/fixtures.ts', import.meta.url));
    await expect(bundleForBrowser(nodeOnly)).rejects.toThrow(/node:fs/);
  });

  it('exposes WebGPU with the webgpu flags, and not without them', async () => {
    const withFlags = await withPage({ entry: ECHO, graphics: 'webgpu', log: null }, (s) => s.graphics());
    const without = await withPage({ entry: ECHO, graphics: 'webgl', log: null }, (s) => s.graphics());
    expect(without.webgpu.available).toBe(false);
    // Where the machine's Chromium has no WebGPU at all, say so rather than pass silently.
    expect(withFlags.webgpu, JSON.stringify(withFlags.webgpu)).toMatchObject({ available: true });
  });
});
