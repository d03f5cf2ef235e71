import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type DefaultTheme, type UserConfig } from 'vitepress';

/** A Vite plugin of VitePress's own Vite (5), which differs from the workspace's. */
type Plugin = Extract<NonNullable<NonNullable<UserConfig['vite']>['plugins']>[number], { name: string }>;
import { DRAFT, missingDataFiles, REPO_ROOT } from './data-files';

const REPOSITORY = 'https://github.com/adamw-js/adamw';

/**
 * The API sidebar written by TypeDoc (typedoc-vitepress-theme). The build
 * script runs TypeDoc first; `pnpm docs:dev` does too.
 */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = join(REPO_ROOT, 'docs', 'api', 'typedoc-sidebar.json');
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run TypeDoc first (pnpm --filter @adamw/docs run api)`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[];
}

// Generated data (benchmarks, experiments, conformance) comes from commands
// other than this build; a release build refuses to go without it.
const missing = missingDataFiles();
if (missing.length > 0) {
  const list = missing.map((m) => `  ${m.file}  (${m.command})`).join('\n');
  if (!DRAFT) {
    throw new Error(`the comparisons page needs data files that are not there:\n${list}\n(ADAMW_DOCS_DRAFT=1 builds without them.)`);
  }
  console.warn(`docs (draft): building without\n${list}`);
}

const APP_DIR = join(REPO_ROOT, 'apps', 'docs');
const DOCS_DIR = join(REPO_ROOT, 'docs');

/**
 * The pages live in docs/, outside this package, where Node resolution cannot
 * see this package's dependencies (vue, vitepress). Bare imports from files in
 * docs/ are resolved as if they were made from apps/docs.
 */
function resolveFromApp(): Plugin {
  return {
    name: 'adamw-docs:resolve-from-app',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || !importer.startsWith(DOCS_DIR) || !/^(@[\w-]+\/)?[\w-]/.test(source)) return null;
      return this.resolve(source, join(APP_DIR, 'package.json'), { ...options, skipSelf: true });
    },
  };
}

const guides: DefaultTheme.SidebarItem[] = [
  {
    text: 'Introduction',
    items: [
      { text: 'Why AdamW', link: '/why-adamw' },
      { text: 'Conventions across frameworks', link: '/conventions' },
      { text: 'How the packages fit together', link: '/design' },
    ],
  },
  {
    text: 'Guides',
    items: [
      { text: '@adamw/core', link: '/guide/core' },
      { text: '@adamw/trainer', link: '/guide/trainer' },
      { text: '@adamw/tfjs', link: '/guide/tfjs' },
      { text: '@adamw/onnxruntime', link: '/guide/onnxruntime' },
    ],
  },
  {
    text: 'Results',
    items: [
      { text: 'Comparisons', link: '/comparisons' },
      { text: 'Playground', link: '/playground' },
    ],
  },
  {
    text: 'Project',
    items: [
      { text: 'API reference', link: '/api/' },
      { text: 'Reliability', link: '/reliability' },
      { text: 'Releasing', link: '/releasing' },
      { text: 'Changelogs', link: '/changelog' },
    ],
  },
];

export default defineConfig({
  title: 'adamw',
  description: 'AdamW with decoupled weight decay for every JavaScript ML stack, computing what PyTorch computes.',
  lang: 'en-US',
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  // The prose lives in the repository's docs/ folder; this app only holds the
  // configuration, the theme, the examples and the tests.
  srcDir: '../../docs',
  // Generated data is read by the theme's components; the experiment's
  // report.md (docs/data/adam-vs-adamw/) is a page of its own.
  srcExclude: ['**/README.md'],
  cleanUrls: true,
  // A draft build may lack API pages (packages not written yet) and generated
  // data; a release build checks every link.
  ignoreDeadLinks: DRAFT ? [(url: string) => /(^|\/)(api|data)\//.test(url)] : false,
  lastUpdated: false,
  markdown: {
    math: true,
    lineNumbers: false,
  },
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Why AdamW', link: '/why-adamw' },
      { text: 'Conventions', link: '/conventions' },
      { text: 'Guides', link: '/guide/core', activeMatch: '^/guide/' },
      { text: 'Comparisons', link: '/comparisons' },
      { text: 'Playground', link: '/playground' },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
      '/': guides,
    },
    search: { provider: 'local' },
    socialLinks: [{ icon: 'github', link: REPOSITORY }],
    outline: { level: [2, 3] },
    footer: { message: 'Released under the MIT License.' },
  },
  // Records how the site was built, so that the site test can tell a draft
  // build from a complete one before reusing it.
  buildEnd(site) {
    writeFileSync(join(site.outDir, 'build-info.json'), `${JSON.stringify({ draft: DRAFT, missing: missing.map((m) => m.file) })}\n`);
  },
  vite: {
    // The theme imports generated JSON and SVG from docs/data and the
    // examples from apps/docs/examples, outside the source folder.
    server: { fs: { allow: [REPO_ROOT] } },
    plugins: [resolveFromApp()],
    // The playground's worker and the examples that run in the page import the workspace packages
    // from their TypeScript sources, as the tests do: the site needs no package built.
    resolve: { conditions: ['@adamw/source'] },
    worker: { format: 'es' },
    define: { __ADAMW_DOCS_DRAFT__: JSON.stringify(DRAFT) },
    // The site is static; the examples' Node-only imports never reach it.
    build: { chunkSizeWarningLimit: 2048 },
  },
});
