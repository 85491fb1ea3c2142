// A tiny static file server on 127.0.0.1 for the console's files, with the production CSP.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The CSP the CDN sends (modules/console), with the local Cognito and API origins. */
export function contentSecurityPolicy(connectOrigins) {
  const origins = connectOrigins.join(' ');
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    `connect-src 'self' ${origins}`, `form-action 'self' ${origins}`, "frame-ancestors 'none'", "object-src 'none'",
    "base-uri 'self'",
  ].join('; ');
}

/**
 * Serves `root` (and `extra`: {'/config.json': object}) on 127.0.0.1 at a free port.
 * Resolves to {url, port, close()}; `requests` lists the paths asked for.
 */
export function serveStatic(root, { extra = {}, connectOrigins = [] } = {}) {
  const base = resolve(root);
  const requests = [];
  const csp = contentSecurityPolicy(connectOrigins);
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    requests.push(`${req.method} ${path}`);
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': csp, 'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed');
    if (path in extra) return send(200, TYPES['.json'], JSON.stringify(extra[path]));
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'text/plain', 'forbidden');
    try {
      return send(200, TYPES[extname(file)] || 'application/octet-stream', await readFile(file));
    } catch {
      return send(404, 'text/plain', 'not found');
    }
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolveServer({
        url: `http://127.0.0.1:${port}/`,
        port,
        requests,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}
