/** The HTTP side of filament-responder: POST /alerts (Alertmanager's webhook). */
import * as http from 'node:http';
import { parseWebhook, WebhookError, type Responder } from './responder';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function startResponderServer(responder: Responder, listen: string): Promise<http.Server> {
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))];
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/-/ready') { res.writeHead(200).end('ok'); return; }
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/alerts') { res.writeHead(404).end(); return; }
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
      responder.handle(payload).then(
        ({ failed }) => (failed === 0
          ? res.writeHead(200).end('ok')
          : res.writeHead(500, { 'content-type': 'text/plain' }).end(`${failed} action(s) failed; see the audit`)),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
