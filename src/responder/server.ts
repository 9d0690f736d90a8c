/**
 * The network side of filament-responder: POST /alerts (Alertmanager's
 * webhook, bearer token required) and GET /-/ready, over HTTPS when the
 * configuration names a certificate (docs/security.md).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { ResponderConfig } from './config';
import { parseWebhook, WebhookError, type Responder } from './responder';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (m === null) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1] ?? ''), digest(token));
}

function peer(req: http.IncomingMessage): string {
  const { remoteAddress, remotePort } = req.socket;
  return remoteAddress === undefined ? 'unknown' : `${remoteAddress.includes(':') ? `[${remoteAddress}]` : remoteAddress}:${remotePort ?? 0}`;
}

export function startResponderServer(responder: Responder, config: Pick<ResponderConfig, 'listen' | 'tls' | 'token'>): Promise<http.Server> {
  const { listen, tls, token } = config;
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')).replace(/^\[|\]$/g, ''), Number(listen.slice(listen.lastIndexOf(':') + 1))];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'GET' && req.url === '/-/ready') { res.writeHead(200).end('ok'); return; }
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/alerts') { res.writeHead(404).end(); return; }
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
      responder.refused(peer(req), req.headers.authorization === undefined ? 'no Authorization header' : 'wrong token');
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="filament-responder"', connection: 'close' }).end();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { res.writeHead(413).end(); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      let payload;
      try {
        payload = parseWebhook(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(err instanceof WebhookError ? err.message : 'body is not JSON');
        return;
      }
      // Answered when the actions are done: a failure to answer makes
      // Alertmanager retry, which the responder absorbs (idempotent).
      responder.handle(payload, { source: peer(req) }).then(
        ({ failed }) => (failed === 0
          ? res.writeHead(200).end('ok')
          : res.writeHead(500, { 'content-type': 'text/plain' }).end(`${failed} action(s) failed; see the audit`)),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    });
  };
  const server = tls !== undefined ? https.createServer({ cert: tls.cert, key: tls.key }, onRequest) : http.createServer(onRequest);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
