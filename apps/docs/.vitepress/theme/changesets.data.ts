// Build-time data: the changes recorded in .changeset/ that no release has
// published yet, rendered on the changelog page.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createMarkdownRenderer, defineLoader } from 'vitepress';
import { parseChangeset } from './changesets';

/** One pending changeset: the packages it bumps and its note as HTML. */
export interface PendingChange {
  id: string;
  bumps: Record<string, 'major' | 'minor' | 'patch'>;
  html: string;
}

declare const data: PendingChange[];
export { data };

export default defineLoader({
  watch: ['../../../../.changeset/*.md'],
  async load(files: string[]): Promise<PendingChange[]> {
    const md = await createMarkdownRenderer(process.cwd());
    return files
      .filter((f) => basename(f) !== 'README.md')
      .map((f) => {
        const { bumps, note } = parseChangeset(readFileSync(f, 'utf8'));
        return { id: basename(f, '.md'), bumps: bumps as PendingChange['bumps'], html: md.render(note) };
      })
      .filter((c) => Object.keys(c.bumps).length > 0);
  },
});
