import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

/** Files by URL path (`/bundle.js`), as text or bytes. */
export type SiteFiles = Readonly<Record<string, string | Uint8Array>>;

/** Options of {@link serveFiles}. */
export interface ServeOptions {
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp`, so that the page is
   * cross-origin isolated and may use `SharedArrayBuffer` (threaded
   * WebAssembly). Default false.
   */
  crossOriginIsolated?: boolean;
}

/** A running server and the URL it answers on. */
export interface ServedSite {
  /** `http://127.0.0.1:<port>`: loopback is a secure context, as WebGPU requires. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `files` from memory on 127.0.0.1 (a free port), `/` being
 * `/index.html`; any other path is a 404 (`/favicon.ico` an empty 204).
 * Nothing is cached by the browser.
 */
export async function serveFiles(files: SiteFiles, options: ServeOptions = {}): Promise<ServedSite> {
  const server: Server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = pathname === '/' ? '/index.html' : pathname;
    const body = files[path];
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (options.crossOriginIsolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    if (body === undefined && path === '/favicon.ico') {
      // Chromium asks for one on every page; an empty answer keeps the console clean.
      res.writeHead(204, headers);
      res.end();
      return;
    }
    if (body === undefined) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
