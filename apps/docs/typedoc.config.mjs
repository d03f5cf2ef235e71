// TypeDoc → Markdown for the API reference. It writes into the site's source
// folder (the repository's docs/, git-ignored there as docs/api/) together with
// the sidebar that .vitepress/config.ts imports.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

/** Every public package, in the order the reference lists them. */
export const PUBLIC_PACKAGES = ['core', 'trainer', 'tfjs', 'onnxruntime'];

// A draft build (ADAMW_DOCS_DRAFT=1) leaves out packages that have no source yet;
// a normal build needs all of them.
const draft = process.env.ADAMW_DOCS_DRAFT === '1';
const present = PUBLIC_PACKAGES.filter((name) => existsSync(join(repo, 'packages', name, 'src', 'index.ts')));
const missing = PUBLIC_PACKAGES.filter((name) => !present.includes(name));
if (missing.length > 0) {
  const list = missing.map((name) => `packages/${name}/src/index.ts`).join(', ');
  if (!draft) {
    throw new Error(
      `API reference: missing ${list}. Every public package must be documented (ADAMW_DOCS_DRAFT=1 skips absent ones while they are being written).`,
    );
  }
  console.warn(`API reference (draft): leaving out ${list}`);
}

// Source links point at the public repository, whatever the local remote is.
const SOURCE_LINK = 'https://github.com/adamw-js/adamw/blob/{gitRevision}/{path}#L{line}';

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions & { docsRoot: string }>} */
const config = {
  entryPointStrategy: 'packages',
  entryPoints: present.map((name) => `../../packages/${name}`),
  packageOptions: {
    // Each package's public entry points: trainer and onnxruntime also have a
    // Node-only one, src/node.ts (the other packages' "did not match any files"
    // warnings about it are expected).
    entryPoints: ['src/index.ts', 'src/node*.ts'],
    tsconfig: 'tsconfig.json',
    // The packages' READMEs link files relative to themselves; the guides
    // cover usage, the reference pages the API.
    readme: 'none',
    excludePrivate: true,
    excludeInternal: true,
    // Each package type-checks itself (turbo's typecheck task); the docs only
    // read the declarations.
    skipErrorChecking: true,
    sourceLinkTemplate: SOURCE_LINK,
    gitRevision: 'main',
  },
  skipErrorChecking: true,
  sourceLinkTemplate: SOURCE_LINK,
  gitRevision: 'main',
  plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
  name: 'API reference',
  out: '../../docs/api',
  docsRoot: '../../docs',
  readme: 'none',
  entryFileName: 'index.md',
  hidePageHeader: true,
  hideBreadcrumbs: false,
  useCodeBlocks: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  enumMembersFormat: 'table',
  sidebar: { autoConfiguration: true, format: 'vitepress', pretty: true, collapsed: true },
  githubPages: false,
  cleanOutputDir: true,
  // Warnings (a type referenced but not exported, say) are the packages'
  // business and show in the output; broken links fail the VitePress build.
  treatWarningsAsErrors: false,
  validation: { notExported: true, invalidLink: true, notDocumented: false },
};

export default config;
