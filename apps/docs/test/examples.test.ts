import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openPage, type PageSession } from '@adamw/conformance/browser';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { BrowserExamplesApi } from './browser-examples-page';

// Every code example on the site is a file under apps/docs/examples, included
// into its page with VitePress's `<<<` snippet import. This test runs each of
// them (the `.browser.ts` ones bundled into a page in Debian's Chromium, with
// WebGL on SwiftShader) and checks what it prints; it also checks that the pages include no
// example that is not run here and write no TypeScript outside such files.

const APP = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES = join(APP, 'examples');
const DOCS = resolve(APP, '..', '..', 'docs');

function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path, keep) : keep(path) ? [path] : [];
    })
    .sort();
}

/** Pulls a number out of an example's output. */
function num(out: string, re: RegExp): number {
  const m = re.exec(out);
  if (!m) throw new Error(`output does not match ${re}:\n${out}`);
  return Number(m[1]);
}

function nums(out: string, re: RegExp): number[] {
  const m = re.exec(out);
  if (!m) throw new Error(`output does not match ${re}:\n${out}`);
  return m.slice(1).map(Number);
}

/** What each example must print, by its path under examples/. */
const EXPECTATIONS: Record<string, (out: string) => void> = {
  'core/quickstart.ts': (out) => {
    const [before, after] = nums(out, /loss (\S+) -> (\S+)/);
    expect(before).toBe(14);
    expect(after).toBeLessThan(1e-4);
    expect(out).toMatch(/params 0\.00 1\.00 2\.00 3\.00/);
  },
  'core/l2-vs-decoupled.ts': (out) => {
    const [l2Small, l2Large] = nums(out, /adam\+l2\s+small-gradient weight (\S+), large-gradient weight (\S+)/);
    const [dSmall, dLarge] = nums(out, /decoupled\s+small-gradient weight (\S+), large-gradient weight (\S+)/);
    // L2 inside Adam: the weight with small gradients is driven to zero, the
    // one with large gradients hardly moves.
    expect(Math.abs(l2Small!)).toBeLessThan(0.05);
    expect(l2Large).toBeGreaterThan(0.8);
    // Decoupled: both shrink alike, by about (1 − 0.01·0.1)^1000 = e^−1.
    expect(Math.abs(dSmall! - dLarge!)).toBeLessThan(0.01);
    expect(dSmall).toBeCloseTo(Math.exp(-1), 1);
  },
  'core/named-schedule.ts': (out) => {
    const [before, after] = nums(out, /mse (\S+) -> (\S+)/);
    expect(after).toBeLessThan(before! / 100);
    expect(num(out, /(\d+) updates/)).toBe(240);
    expect(num(out, /bias (\S+)/)).toBeCloseTo(1, 1);
  },
  'core/checkpoint.ts': (out) => {
    expect(out).toMatch(/resumed to step 100/);
    expect(out).toMatch(/resumed equals uninterrupted: true/);
  },
  'trainer/quickstart.ts': (out) => {
    const [before, after] = nums(out, /loss (\S+) -> (\S+)/);
    expect(after).toBeLessThan(before! / 5);
    expect(num(out, /accuracy (\S+)/)).toBeGreaterThan(0.95);
  },
  'trainer/resume.ts': (out) => {
    expect(out).toMatch(/resumed at epoch 4, 224 updates in all/);
    expect(out).toMatch(/same parameters as the uninterrupted run: true/);
    const [train5, val5] = nums(out, /epoch 5: train (\S+), validation (\S+)/);
    const [train10, val10] = nums(out, /epoch 10: train (\S+), validation (\S+)/);
    expect(train10).toBeLessThan(train5!);
    expect(val10).toBeLessThan(val5!);
  },
  'trainer/workers.ts': (out) => {
    expect(num(out, /(\d+) threads/)).toBe(2);
    expect(num(out, /final loss (\S+)/)).toBeLessThan(Math.log(2));
    expect(out).toMatch(/same parameters as one thread: true/);
  },
  'tfjs/quickstart.ts': (out) => {
    const [before, after, accuracy] = nums(out, /loss (\S+) -> (\S+), accuracy (\S+)/);
    expect(after).toBeLessThan(before! / 3);
    expect(accuracy).toBeGreaterThan(0.95);
  },
  'tfjs/custom-loop.ts': (out) => {
    const [before, after] = nums(out, /loss (\S+) -> (\S+) after 400 steps/);
    expect(after).toBeLessThan(before! / 1000);
    expect(out).toMatch(/bias excluded from decay: true, kernel: false/);
    expect(num(out, /, b (\S+)/)).toBeCloseTo(0.7, 1);
  },
  'tfjs/webgl.browser.ts': (out) => {
    expect(out).toMatch(/backend webgl, AdamW on its 'ops' path, 520 steps/);
    const [before, after, accuracy] = nums(out, /loss (\S+) -> (\S+), accuracy (\S+)/);
    expect(after).toBeLessThan(before! / 4);
    expect(accuracy).toBeGreaterThan(0.95);
    // Two moments for each of the six weights.
    expect(out).toMatch(/tensors held by the optimizer: 12$/m);
  },
  'tfjs/save-load.ts': (out) => {
    expect(out).toMatch(/optimizer after loading: AdamW, 24 steps/);
    expect(out).toMatch(/losses after reloading equal the original's: true/);
    expect(out).toMatch(/a damaged copy: .*fails its CRC-32 check/);
  },
  'core/arena.ts': (out) => {
    expect(out).toMatch(/1048576 parameters, 20 steps/);
    expect(out).toMatch(/arena and ordinary arrays agree bit for bit: true/);
    const [used, capacity] = nums(out, /arena: (\d+) of (\d+) bytes in use/);
    expect(used).toBeGreaterThanOrEqual(4 * 4 * 1048576);
    expect(used).toBeLessThanOrEqual(capacity!);
  },
  'onnxruntime/quickstart.ts': (out) => {
    const [before, after] = nums(out, /loss (\S+) -> (\S+) after 301 AdamW steps/);
    expect(after).toBeLessThan(before! / 10);
  },
  'onnxruntime/finetune-head.ts': (out) => {
    expect(out).toMatch(/^training head\.weight, head\.bias$/m);
    const before = num(out, /accuracy before (\S+)/);
    const after = num(out, /accuracy after (\S+)/);
    expect(before).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.9);
    expect(out).toMatch(/encoder\.layers\.0\.linear1\.weight unchanged: true/);
  },
  'onnxruntime/fine-tune.browser.ts': (out) => {
    expect(num(out, /trained on the first task: accuracy (\S+)/)).toBeGreaterThan(0.95);
    const [before, after] = nums(out, /fine-tuned out\.weight, out\.bias: loss (\S+) -> (\S+) after 200 steps/);
    expect(after).toBeLessThan(before! / 10);
    expect(out).toMatch(/hidden layers unchanged: true/);
    expect(num(out, /fine-tuned model on the new task: accuracy (\S+)/)).toBeGreaterThan(0.9);
  },
  'onnxruntime/train-export.ts': (out) => {
    expect(out).toMatch(/parameters: hidden1\.weight, hidden1\.bias, hidden2\.weight, hidden2\.bias, out\.weight, out\.bias/);
    const [before, after] = nums(out, /loss (\S+) -> (\S+) after 180 steps/);
    expect(after).toBeLessThan(before! / 10);
    expect(num(out, /exported model accuracy (\S+)/)).toBeGreaterThan(0.95);
  },
};

const exampleFiles = filesUnder(EXAMPLES, (p) => p.endsWith('.ts')).map((p) => relative(EXAMPLES, p));
/** What each example printed, for the output blocks on the pages. */
const printed = new Map<string, string>();

let browserPage: Promise<PageSession<BrowserExamplesApi>> | undefined;
/** Runs a browser example in Chromium (one page for all of them) and returns the lines it printed. */
async function runInBrowser(file: string): Promise<string[]> {
  browserPage ??= openPage<BrowserExamplesApi>({
    entry: fileURLToPath(new URL('./browser-examples-page.ts', import.meta.url)),
    graphics: 'webgl',
    title: 'examples',
    // What the onnxruntime example fetches: ORT's WebAssembly (onnxruntime-web/wasm) and its model.
    files: {
      '/ort/ort-wasm-simd-threaded.wasm': new Uint8Array(readFileSync(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'))),
      '/classifier.onnx': new Uint8Array(readFileSync(join(EXAMPLES, 'onnxruntime', 'classifier.onnx'))),
    },
  });
  const page = await browserPage;
  return page.call(file as keyof BrowserExamplesApi);
}

describe('examples', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await (await browserPage)?.close();
  });

  it('every example file has an expectation, and every expectation a file', () => {
    expect(exampleFiles.length).toBeGreaterThan(0);
    expect([...exampleFiles].sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });

  for (const file of exampleFiles) {
    it(`runs ${file}`, async () => {
      if (file.endsWith('.browser.ts')) {
        const lines = await runInBrowser(file);
        printed.set(file, lines.join('\n'));
        EXPECTATIONS[file]!(lines.join('\n'));
        return;
      }
      const lines: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
      await import(pathToFileURL(join(EXAMPLES, file)).href);
      vi.restoreAllMocks();
      printed.set(file, lines.join('\n'));
      const check = EXPECTATIONS[file];
      expect(check, `no expectation for ${file}`).toBeDefined();
      check!(lines.join('\n'));
    });
  }
});

describe('the pages', () => {
  const pages = filesUnder(DOCS, (p) => p.endsWith('.md') && !relative(DOCS, p).startsWith('api/') && !relative(DOCS, p).startsWith('data/'));

  it('include only examples that run above', () => {
    let included = 0;
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      for (const m of text.matchAll(/^<<<\s+(\S+?)(?:#[\w-]+)?(?:\{[^}]*\})?(?:\s|$)/gm)) {
        // `@/` is the site's source folder (docs/); anything else is relative to the page.
        const target = m[1]!.startsWith('@/') ? resolve(DOCS, m[1]!.slice(2)) : resolve(dirname(page), m[1]!);
        expect(existsSync(target), `${relative(DOCS, page)} includes ${m[1]}, which does not exist`).toBe(true);
        const rel = relative(EXAMPLES, target);
        expect(EXPECTATIONS[rel], `${relative(DOCS, page)} includes ${m[1]}, which no test runs`).toBeDefined();
        included++;
      }
    }
    expect(included).toBeGreaterThanOrEqual(exampleFiles.length);
  });

  it('show output blocks that are what the example above them prints', () => {
    let blocks = 0;
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      for (const m of text.matchAll(/^<<<\s+(\S+?)\s*\n\s*\n```text\n([\s\S]*?)\n```/gm)) {
        const file = relative(EXAMPLES, resolve(dirname(page), m[1]!));
        expect(printed.has(file), `${file} ran`).toBe(true);
        expect(m[2], `the output shown under ${file} in ${relative(DOCS, page)}`).toBe(printed.get(file));
        blocks++;
      }
    }
    expect(blocks).toBeGreaterThan(0);
  });

  it('include every example somewhere', () => {
    const all = pages.map((p) => readFileSync(p, 'utf8')).join('\n');
    for (const file of exampleFiles) expect(all, `no page includes examples/${file}`).toContain(`examples/${file}`);
  });

  it('write no TypeScript or JavaScript outside the tested example files', () => {
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      expect(text, relative(DOCS, page)).not.toMatch(/^\s*(```|~~~)\s*(ts|typescript|js|javascript|mjs|cjs|tsx|jsx)\b/im);
    }
  });
});
