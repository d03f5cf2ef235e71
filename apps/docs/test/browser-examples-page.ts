// The page that runs the browser examples (examples/**/*.browser.ts) in
// Chromium for examples.test.ts: each is called with a `print` that collects
// its lines.
import { expose } from '@adamw/conformance/browser/in-page';
import { trainOnWebGL } from '../examples/tfjs/webgl.browser';

async function collect(run: (print: (line: string) => void) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await run((line) => lines.push(line));
  return lines;
}

export const BROWSER_EXAMPLES = {
  'tfjs/webgl.browser.ts': () => collect(trainOnWebGL),
};

export const api = expose(BROWSER_EXAMPLES);
export type BrowserExamplesApi = typeof api;
