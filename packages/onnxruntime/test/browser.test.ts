import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build as esbuild, context as esbuildContext } from 'esbuild';
import * as ortNode from 'onnxruntime-node';
import { chromium, type Browser } from 'playwright-core';
import { preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrtTrainer } from '../src/index.js';
import { classifierModel } from './helpers/mlp.js';
import { random, randoms } from './helpers/onnx.js';

// The main entry as a browser application gets it: a small consumer
// (browser/consumer.ts) bundled with esbuild and with Vite, no shims or
// plugins, served by each bundler's own server on loopback and run in
// Debian's headless Chromium, where it trains with onnxruntime-web's wasm
// execution provider. Its losses are compared with onnxruntime-node's.

const CHROMIUM = '/usr/bin/chromium';
const HERE = fileURLToPath(new URL('./browser/', import.meta.url));
/** Vite's build runs in a child process (see the script). */
const VITE_BUILD = fileURLToPath(new URL('./helpers/vite-build.mjs', import.meta.url));
const run = promisify(execFile);
const MINUTES = 60_000;
const STEPS = 20;
/** Both bundles see the workspace packages from source, as the other tests do; a user's bundler reads dist/. */
const CONDITIONS = ['@adamw/source'];
/** Node's builtins as a bundle would import them: `fs`, `node:fs`, `fs/promises`. */
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const require = createRequire(import.meta.url);
const ortDist = (file: string) => require.resolve(`onnxruntime-web/${file}`);
/** The files the default onnxruntime-web build fetches at run time. */
const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.jsep.mjs'];

const work = mkdtempSync(join(tmpdir(), 'adamw-ort-browser-'));
let browser: Browser;
let expectedLosses: number[];

function batch() {
  const rows = 16;
  const rand = random(11);
  const x = randoms(rand, 4 * rows, -1, 1);
  const y = Array.from({ length: rows }, (_, r) => {
    const row = x.slice(4 * r, 4 * r + 3);
    return row.indexOf(Math.max(...row));
  });
  return { x, y, rows, steps: STEPS };
}

/** Writes the files the consumer fetches into `dir`. */
function writeData(dir: string): void {
  writeFileSync(join(dir, 'model.onnx'), classifierModel());
  writeFileSync(join(dir, 'batch.json'), JSON.stringify(batch()));
}

interface PageResult {
  losses: number[];
  evaluated: number;
  exported: number;
  ort: string;
}

async function runInChromium(url: string): Promise<{ result: PageResult; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await page.goto(url);
    const handle = await page.waitForFunction(
      () => {
        const w = window as unknown as { adamwResult?: unknown; adamwError?: string };
        return w.adamwResult ?? (w.adamwError === undefined ? undefined : { error: w.adamwError });
      },
      undefined,
      { timeout: 5 * MINUTES, polling: 100 },
    );
    const value = (await handle.jsonValue()) as PageResult | { error: string };
    if ('error' in value) throw new Error(`the page failed: ${value.error}\n${errors.join('\n')}`);
    return { result: value, errors };
  } finally {
    await page.close();
  }
}

function expectTorchLikeTraining(result: PageResult): void {
  expect(result.ort).toBe('1.30.0');
  expect(result.losses).toHaveLength(STEPS);
  result.losses.forEach((loss, i) => expect(Math.abs(loss - expectedLosses[i]!) / expectedLosses[i]!, `step ${i}`).toBeLessThan(1e-5));
  expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]! * 0.8);
  expect(result.evaluated).toBeGreaterThan(0);
  expect(result.exported).toBeGreaterThan(100);
}

function sizes(files: Record<string, number>): string {
  return Object.entries(files)
    .map(([name, bytes]) => `${name} ${(bytes / 1000).toFixed(1)} kB`)
    .join(', ');
}

beforeAll(async () => {
  if (!statSync(CHROMIUM, { throwIfNoEntry: false }))
    throw new Error(`${CHROMIUM} is missing: the browser test drives Debian's Chromium (apt-get install chromium); it never downloads one`);
  // The same training with onnxruntime-node, for comparison.
  const trainer = await createOrtTrainer({
    model: classifierModel(),
    ort: ortNode,
    optimizer: { lr: 0.05, weightDecay: 0.01 },
    sessionOptions: { intraOpNumThreads: 1 },
  });
  const b = batch();
  expectedLosses = [];
  for (let i = 0; i < STEPS; i++) {
    expectedLosses.push(
      await trainer.step({
        x: new ortNode.Tensor('float32', Float32Array.from(b.x), [b.rows, 4]),
        y: new ortNode.Tensor(
          'int64',
          BigInt64Array.from(b.y, (v) => BigInt(v)),
          [b.rows],
        ),
      }),
    );
  }
  await trainer.release();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}, 5 * MINUTES);

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the main entry bundled for the browser', () => {
  it(
    'with esbuild: no Node builtin in the bundle; trains in Chromium (ORT files served from wasmPaths) as onnxruntime-node does',
    async () => {
      const out = join(work, 'esbuild');
      const result = await esbuild({
        entryPoints: [join(HERE, 'consumer.ts')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        conditions: CONDITIONS,
        outdir: out,
        metafile: true,
        logLevel: 'silent',
      });
      expect(result.warnings).toEqual([]);
      const inputs = Object.values(result.metafile.inputs);
      const imported = inputs.flatMap((input) => input.imports.map((i) => i.path));
      expect(imported.filter((p) => BUILTINS.has(p))).toEqual([]);
      // Nothing left for the page to resolve (esbuild's own helpers are '<runtime>').
      expect(inputs.flatMap((input) => input.imports.filter((i) => i.external && !i.path.startsWith('<')).map((i) => i.path))).toEqual([]);
      // What a user copies from node_modules/onnxruntime-web/dist and points ort.env.wasm.wasmPaths at.
      const ortDir = join(out, 'ort');
      mkdirSync(ortDir, { recursive: true });
      for (const f of ORT_RUNTIME_FILES) {
        copyFileSync(ortDist(f), join(ortDir, f));
      }
      writeData(out);
      writeFileSync(join(out, 'index.html'), readFileSync(join(HERE, 'index.html'), 'utf8').replace('./consumer.ts', './consumer.js'));
      const js = readFileSync(join(out, 'consumer.js'));
      console.log(
        `esbuild bundle (minified): ${sizes({ 'consumer.js': js.length, 'consumer.js gzipped': gzipSync(js, { level: 9 }).length, 'ORT .wasm': statSync(join(ortDir, ORT_RUNTIME_FILES[0]!)).size })}`,
      );

      const ctx = await esbuildContext({ logLevel: 'silent' });
      const server = await ctx.serve({ servedir: out, host: '127.0.0.1', port: 0 });
      try {
        const { result: page, errors } = await runInChromium(`http://127.0.0.1:${server.port}/index.html?wasmPaths=/ort/`);
        expect(errors).toEqual([]);
        expectTorchLikeTraining(page);
      } finally {
        await ctx.dispose();
      }
    },
    10 * MINUTES,
  );

  it(
    'with Vite: no module externalized for the browser; ORT files emitted by Vite itself; trains in Chromium as onnxruntime-node does',
    async () => {
      const out = join(work, 'vite');
      const publicDir = join(work, 'vite-public');
      mkdirSync(publicDir, { recursive: true });
      writeData(publicDir);
      const { stdout } = await run(process.execPath, [VITE_BUILD, JSON.stringify({ root: HERE, publicDir, outDir: out, conditions: CONDITIONS })], {
        maxBuffer: 16 * 1024 * 1024,
      });
      const { warnings } = JSON.parse(stdout) as { warnings: string[] };
      // Vite replaces a Node builtin by an empty module and says so ("externalized for browser compatibility");
      // the deprecated Node fallback's run-time import is marked for Vite to leave alone. No warning at all.
      expect(warnings).toEqual([]);
      const assets = readdirSync(join(out, 'assets'));
      const js = assets.filter((f) => f.endsWith('.js'));
      expect(
        assets.some((f) => /^ort-wasm-simd-threaded\.jsep-.*\.wasm$/.test(f)),
        `ORT's .wasm among ${assets.join(', ')}`,
      ).toBe(true);
      for (const f of js) expect(readFileSync(join(out, 'assets', f), 'utf8')).not.toContain('__vite-browser-external');
      const total = js.reduce((n, f) => n + statSync(join(out, 'assets', f)).size, 0);
      const gzipped = js.reduce((n, f) => n + gzipSync(readFileSync(join(out, 'assets', f)), { level: 9 }).length, 0);
      console.log(`Vite build: ${sizes({ 'JavaScript (ORT included)': total, gzipped: gzipped })}, ${assets.length} assets`);

      const server = await preview({
        configFile: false,
        root: HERE,
        logLevel: 'silent',
        build: { outDir: out },
        preview: { host: '127.0.0.1', port: 0, strictPort: false },
      });
      try {
        const url = server.resolvedUrls?.local[0];
        expect(url).toBeDefined();
        const { result: page, errors } = await runInChromium(url!);
        expect(errors).toEqual([]);
        expectTorchLikeTraining(page);
      } finally {
        await server.close();
      }
    },
    10 * MINUTES,
  );
});
