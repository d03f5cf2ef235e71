import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  // WebAssembly compiles while it downloads only when served as what it is.
  '.wasm': 'application/wasm',
};

/** A running server and the URL it answers on. */
export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a built VitePress site (clean URLs) on 127.0.0.1: `/a` is `a.html`,
 * `/a/` is `a/index.html`; anything else is a 404 with the site's 404 page.
 */
export async function serveStatic(root: string): Promise<StaticSite> {
  const find = (pathname: string): string | undefined => {
    const clean = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
    const base = join(root, clean);
    if (!base.startsWith(root)) return undefined;
    const candidates = clean.endsWith(sep) || clean === '/' ? [join(base, 'index.html')] : [base, `${base}.html`, join(base, 'index.html')];
    return candidates.find((c) => existsSync(c) && statSync(c).isFile());
  };
  const server: Server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const file = find(pathname);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': TYPES['.html']! });
      const notFound = join(root, '404.html');
      if (existsSync(notFound)) createReadStream(notFound).pipe(res);
      else res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
