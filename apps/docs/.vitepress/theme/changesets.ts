// Reading the notes in .changeset/ (used by changesets.data.ts at build time).

/** Splits a changeset file into its package bumps and its Markdown note. */
export function parseChangeset(text: string): { bumps: Record<string, string>; note: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) throw new Error('a changeset starts with a front matter block (--- … ---)');
  const bumps: Record<string, string> = {};
  for (const line of m[1]!.split(/\r?\n/)) {
    const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line);
    if (entry) bumps[entry[1]!] = entry[2]!;
  }
  return { bumps, note: m[2]!.trim() };
}
