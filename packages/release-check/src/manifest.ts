import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import type { Manifest, PublicPackage } from './workspace.js';

/** One thing wrong with a package, phrased for the package's owner. */
export interface Problem {
  /** The package.json field or file concerned (`exports`, `README.md`, ...). */
  field: string;
  message: string;
}

/** The oldest Node release line every package must support. */
export const MIN_NODE = '20.0.0';

interface ConditionTargets {
  import?: { types?: string; default?: string };
  require?: { types?: string; default?: string };
  [condition: string]: unknown;
}

const isObject = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Whether `path` (like `./dist/index.js`) is covered by one of the `files` entries. */
export function isPublished(path: string, files: readonly string[]): boolean {
  const clean = path.replace(/^\.\//, '');
  return files.some((f) => {
    const entry = f.replace(/^\.\//, '').replace(/\/$/, '');
    return clean === entry || clean.startsWith(`${entry}/`);
  });
}

/**
 * Checks the publishing metadata of a public package's package.json: the
 * fields npm, bundlers and TypeScript read, pointing at files that are
 * published. Returns every problem found (empty when all is well).
 */
export function checkManifest(pkg: PublicPackage, m: Manifest): Problem[] {
  const problems: Problem[] = [];
  const fail = (field: string, message: string): void => {
    problems.push({ field, message });
  };

  if (m.name !== pkg.name) fail('name', `expected "${pkg.name}", got ${JSON.stringify(m.name)}`);
  if (m.private === true) fail('private', 'a public package must not be private');
  if (typeof m.version !== 'string' || semver.valid(m.version) === null) fail('version', `not a semver version: ${JSON.stringify(m.version)}`);
  if (typeof m.description !== 'string' || m.description.trim().length < 10) fail('description', 'missing or too short');
  if (m.type !== 'module') fail('type', `expected "module" (ESM sources), got ${JSON.stringify(m.type)}`);
  if (m.license !== 'MIT') fail('license', `expected "MIT" (the repository's license), got ${JSON.stringify(m.license)}`);
  if (pkg.importEffect === undefined) {
    if (m.sideEffects !== false) fail('sideEffects', `expected false so bundlers can drop unused exports, got ${JSON.stringify(m.sideEffects)}`);
  } else if (m.sideEffects === false) {
    fail('sideEffects', `must not be false: importing the package ${pkg.importEffect}`);
  } else if (m.sideEffects !== true && !(Array.isArray(m.sideEffects) && m.sideEffects.every((f) => typeof f === 'string'))) {
    fail('sideEffects', `expected true or a list of the files with effects, got ${JSON.stringify(m.sideEffects)}`);
  }

  const node = m.engines?.node;
  if (typeof node !== 'string' || semver.validRange(node) === null) {
    fail('engines', 'engines.node must be a version range');
  } else if (!semver.satisfies(MIN_NODE, node)) {
    fail('engines', `engines.node "${node}" excludes Node ${MIN_NODE}`);
  }

  const repo = m.repository;
  if (!isObject(repo) || repo.type !== 'git' || typeof repo.url !== 'string' || !repo.url) {
    fail('repository', 'expected {type: "git", url, directory}');
  } else if (repo.directory !== pkg.dir) {
    fail('repository', `repository.directory should be "${pkg.dir}", got ${JSON.stringify(repo.directory)}`);
  }

  const files = Array.isArray(m.files) ? m.files : undefined;
  if (!files || files.length === 0) {
    fail('files', 'missing: without it npm publishes everything in the folder');
  } else {
    for (const required of ['dist', 'README.md', 'CHANGELOG.md']) {
      if (!files.includes(required)) fail('files', `should list "${required}"`);
    }
  }

  const exp = m.exports;
  if (!isObject(exp)) {
    fail('exports', 'missing exports map');
  } else {
    const root = exp['.'];
    if (!isObject(root)) {
      fail('exports', 'exports["."] must be a conditions object');
    } else {
      const conditions = root as ConditionTargets;
      for (const kind of ['import', 'require'] as const) {
        const target = conditions[kind];
        if (!isObject(target)) {
          fail('exports', `exports["."].${kind} missing (${kind === 'import' ? 'ESM' : 'CommonJS'} consumers)`);
          continue;
        }
        const keys = Object.keys(target);
        if (typeof target.types !== 'string') fail('exports', `exports["."].${kind}.types missing`);
        else if (keys[0] !== 'types') fail('exports', `exports["."].${kind}.types must come first`);
        if (typeof target.default !== 'string') fail('exports', `exports["."].${kind}.default missing`);
        const wantJs = kind === 'import' ? /\.m?js$/ : /\.c?js$/;
        const wantDts = kind === 'import' ? /\.d\.m?ts$/ : /\.d\.cts$/;
        if (typeof target.default === 'string' && !wantJs.test(target.default))
          fail('exports', `exports["."].${kind}.default has the wrong extension: ${target.default}`);
        if (typeof target.types === 'string' && !wantDts.test(target.types))
          fail('exports', `exports["."].${kind}.types has the wrong extension: ${target.types}`);
        for (const path of [target.types, target.default]) {
          if (typeof path === 'string' && files && !isPublished(path, files)) fail('exports', `${path} is not covered by "files"`);
        }
      }
      const order = Object.keys(root);
      if (order.indexOf('import') > order.indexOf('require')) fail('exports', 'the import condition should precede require');
    }
    if (exp['./package.json'] !== './package.json') fail('exports', 'should export "./package.json" (tools read it)');
  }
  // Fallbacks for tools that predate `exports`.
  const rootExports = isObject(exp) && isObject(exp['.']) ? (exp['.'] as ConditionTargets) : undefined;
  if (m.main !== rootExports?.require?.default) fail('main', `should equal exports["."].require.default (${rootExports?.require?.default})`);
  if (m.types !== rootExports?.import?.types) fail('types', `should equal exports["."].import.types (${rootExports?.import?.types})`);
  return problems;
}

/**
 * Checks the package folder: a README that shows how to install the package
 * and a minimal example importing it, and a CHANGELOG (written by changesets;
 * before the first release, a pending changeset that names the package stands
 * in for it).
 */
export function checkPackageFiles(pkg: PublicPackage, dir: string, pendingChangesets: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const readme = join(dir, 'README.md');
  if (!existsSync(readme)) {
    problems.push({ field: 'README.md', message: 'missing' });
  } else {
    const text = readFileSync(readme, 'utf8');
    const escaped = pkg.name.replace(/[/.]/g, '\\$&');
    if (!new RegExp(`(npm (install|i)|pnpm add|yarn add) [^\\n]*${escaped}`).test(text)) {
      problems.push({ field: 'README.md', message: `no install command for ${pkg.name} (npm install ${pkg.name})` });
    }
    const blocks = [...text.matchAll(/```(?:ts|js|typescript|javascript|mjs)\n([\s\S]*?)```/g)].map((b) => b[1]!);
    if (!blocks.some((b) => new RegExp(`from '${escaped}'|from "${escaped}"|require\\(['"]${escaped}['"]\\)`).test(b))) {
      problems.push({ field: 'README.md', message: `no code example importing ${pkg.name}` });
    }
  }
  if (!existsSync(join(dir, 'CHANGELOG.md')) && !pendingChangesets.has(pkg.name)) {
    problems.push({ field: 'CHANGELOG.md', message: 'missing, and no pending changeset names the package (run pnpm changeset)' });
  }
  return problems;
}

/** Formats problems as one line each, for assertion messages. */
export function formatProblems(name: string, problems: readonly Problem[]): string {
  return problems.map((p) => `${name} ${p.field}: ${p.message}`).join('\n');
}
