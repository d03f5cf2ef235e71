import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, readFixtureJson, type CoreFixture } from '../src/fixtures';

const bin = fileURLToPath(new URL('../bin/conformance.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'adamw-conformance-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI in a child process; asynchronously, so that the test runner's own messages keep flowing meanwhile. */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ status: code, stdout, stderr });
    });
  });
}

function copyOf(name: string, edit?: (f: CoreFixture) => void): string {
  const f = readFixtureJson(join(FIXTURES_DIR, 'core', `${name}.json`)) as CoreFixture;
  edit?.(f);
  const path = join(tmp, `${name}${edit ? '-tampered' : ''}.json`);
  writeFileSync(path, JSON.stringify(f));
  return path;
}

describe('conformance CLI', () => {
  it('exits 2 on an unknown flag', async () => {
    const r = await cli('--no-such-flag');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-such-flag/);
  });

  it('exits 2 on an unknown adapter', async () => {
    const r = await cli('--adapter', 'nonexistent');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown adapter 'nonexistent'/);
  });

  it('passes an untouched copy of a fixture and names fixture and adapter', async () => {
    const r = await cli(copyOf('defaults-f32'), copyOf('sgdw-momentum-f64'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PASS .*defaults-f32 × core: loss -, params \S+, state \S+/m);
    expect(r.stdout).toMatch(/^PASS .*sgdw-momentum-f64 × core/m);
  });

  it('exits non-zero when a fixture was tampered with', async () => {
    const path = copyOf('amsgrad-f64', (f) => {
      const e = f.expected[4]!;
      e.params[2] = e.params[2]! * (1 + 1e-6);
    });
    const r = await cli('--adapter', 'core', path);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL .*amsgrad-f64-tampered × core/m);
    expect(r.stdout).toMatch(/worst at step 5 params\[2\]/);
  });

  it('checks a whole-model fixture with the onnxruntime adapter and skips adapters that cannot run ONNX models', async () => {
    const path = join(FIXTURES_DIR, 'onnx', 'embedding-bag-padded-f32.json.gz');
    const r = await cli('--adapter', 'onnxruntime', '--adapter', 'trainer', path);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^PASS {2}onnx\/embedding-bag-padded-f32 × onnxruntime: grads \S+ \(tolerance 1\.00e-4\), loss \S+ \(tolerance 1\.00e-5\), params \S+ \(tolerance 2\.00e-4\)/m,
    );
    expect(r.stdout).toMatch(/^largest deviation, onnxruntime onnx-training: grads \S+, loss \S+, params \S+$/m);
    const skip = await cli('--adapter', 'trainer', path);
    expect(skip.stdout).toMatch(/^SKIP {2}onnx\/embedding-bag-padded-f32: no requested adapter runs ONNX models/m);
  });

  it('fails a fixture with no expected steps (nothing would be compared), saying so', async () => {
    const path = copyOf('defaults-f32', (f) => {
      f.expected = [];
    });
    const r = await cli('--adapter', 'core', path);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL .*defaults-f32-tampered × core/m);
    expect(r.stdout).toMatch(/the fixture has no expected steps: nothing was compared/);
  });

  it('prints usage with --help', async () => {
    const r = await cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: pnpm conformance/);
  });
});
