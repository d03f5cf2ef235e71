// Runs one Vite production build for test/browser.test.ts in a process of its
// own: Rollup parses onnxruntime-web's large bundle synchronously, which would
// hold the test worker's event loop for most of a minute on a busy machine.
// Argument: a JSON object { root, publicDir, outDir, conditions }. Prints a
// JSON object { warnings } on stdout: every warning Vite logged.
import { build, createLogger, defaultClientConditions } from 'vite';

const { root, publicDir, outDir, conditions } = JSON.parse(process.argv[2] ?? '{}');
const warnings = [];
const logger = createLogger('warn', { allowClearScreen: false });
logger.warn = (message) => warnings.push(message);
logger.warnOnce = (message) => warnings.push(message);
await build({
  configFile: false,
  root,
  publicDir,
  logLevel: 'warn',
  customLogger: logger,
  resolve: { conditions: [...conditions, ...defaultClientConditions] },
  build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 10_000 },
});
process.stdout.write(JSON.stringify({ warnings }));
