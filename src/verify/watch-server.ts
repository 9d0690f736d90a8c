/**
 * The watcher's GET /metrics: HTTPS with basic auth or a bearer token (watch-options.ts decides
 * that only an opted-out loopback listener goes without). Credentials are compared as digests,
 * so the time taken says nothing about how much of them matched; a refusal is a 401, never logged
 * with what was sent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { MetricsAuth, WatchOptions } from './watch-options';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const same = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

export function authorized(header: string | undefined, auth: MetricsAuth): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (bearer && auth.token !== undefined) return same(bearer[1] as string, auth.token);
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (basic && auth.basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    // Both compared, always: which of the two was wrong takes the same time.
    const user = same(decoded.slice(0, colon), auth.basic.username);
    const password = same(decoded.slice(colon + 1), auth.basic.password);
    return user && password;
  }
  return false;
}

export function startMetricsServer(options: Pick<WatchOptions, 'listen' | 'tls' | 'auth'>, render: () => string): Promise<http.Server> {
  const { listen, tls, auth } = options;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    if (auth !== undefined && !authorized(req.headers.authorization, auth)) {
      const challenge = auth.basic ? 'Basic realm="filament verify"' : 'Bearer realm="filament verify"';
      res.writeHead(401, { 'www-authenticate': challenge, connection: 'close' }).end();
      return;
    }
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : render());
  };
  const server = tls !== undefined ? https.createServer({ cert: tls.cert, key: tls.key }, onRequest) : http.createServer(onRequest);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
