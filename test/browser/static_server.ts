/**
 * The browser test's web server, on 127.0.0.1 (a free port): the repository at `/`, the shared
 * fixtures at `/fixtures/`, Fashion-MNIST at `/fashion-mnist/`, and under `/bad/` what a page must
 * survive: a truncated download (the connection closes early) and a file that is not a model.
 * Under `/isolated/` the same files come with the headers that make a page cross-origin isolated
 * (COOP same-origin, COEP require-corp): there it may share memory with workers.
 */
import {createReadStream, existsSync, readFileSync, statSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {extname, join, normalize, sep} from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
  '.wasm': 'application/wasm', '.map': 'application/json', '.css': 'text/css',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(mounts: Record<string, string>, truncatedSource: string): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.startsWith('/isolated/')) {
      path = path.slice('/isolated'.length);
      res.setHeader('cross-origin-opener-policy', 'same-origin');
      res.setHeader('cross-origin-embedder-policy', 'require-corp');
    }
    if (path === '/bad/truncated.keras') {
      // declares the whole file, sends half, then drops the connection
      const bytes = readFileSync(truncatedSource);
      res.writeHead(200, {'content-type': 'application/octet-stream', 'content-length': String(bytes.length)});
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
      return;
    }
    if (path === '/bad/half.keras') {
      // a file that is itself cut short (its length is declared honestly)
      const bytes = readFileSync(truncatedSource);
      res.writeHead(200, {'content-type': 'application/octet-stream'});
      res.end(bytes.subarray(0, bytes.length >> 1));
      return;
    }
    if (path === '/bad/not_a_model.keras') {
      res.writeHead(200, {'content-type': 'application/octet-stream'});
      res.end('<!doctype html><title>Sign in</title>');
      return;
    }
    const prefix = Object.keys(mounts).sort((a, b) => b.length - a.length).find((p) => path.startsWith(p));
    if (prefix === undefined) return void res.writeHead(404).end('not found');
    const root = mounts[prefix]!;
    const file = normalize(join(root, path.slice(prefix.length)));
    if (!(file + sep).startsWith(normalize(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      return void res.writeHead(404, {'content-type': 'text/plain'}).end('not found');
    }
    res.writeHead(200, {'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': String(statSync(file).size)});
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
