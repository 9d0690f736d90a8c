/**
 * Loopback stand-ins for the dashboards URL (OpenSearch Dashboards cannot run here): one that
 * answers as OpenSearch Dashboards does — its status route, or with the security plugin a 401 and
 * the anonymous login page, and the saved-objects API with its anti-CSRF rule — and one that
 * answers but is something else. Every request is recorded with its credentials, if any.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as fs from 'node:fs';
import type { TestCertificates } from './tls';

export interface SeenRequest { method: string; url: string; xsrf: string | undefined; auth: string | undefined }

export interface DashboardsStandIn {
  url: string;
  seen: SeenRequest[];
  stored: Map<string, { attributes: unknown }>;
  close(): Promise<void>;
}

export type StandInKind = 'dashboards' | 'dashboards-with-security' | 'not-dashboards';

export async function startDashboardsStandIn(kind: StandInKind, tls?: TestCertificates): Promise<DashboardsStandIn> {
  const stored = new Map<string, { attributes: unknown }>();
  const seen: SeenRequest[] = [];
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method as string, url: req.url as string, xsrf: req.headers['osd-xsrf'] as string | undefined, auth: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      if (kind === 'not-dashboards') {
        res.statusCode = 404;
        res.end('{"error":"no such route"}');
        return;
      }
      if (req.method === 'GET' && req.url === '/app/login' && kind === 'dashboards-with-security') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end('<!DOCTYPE html><html><body><osd-csp data="{}"></osd-csp><osd-injected-metadata data="{&quot;version&quot;:&quot;2.19.1&quot;}"></osd-injected-metadata></body></html>');
        return;
      }
      if (kind === 'dashboards-with-security' && !req.headers.authorization) {
        res.statusCode = 401;
        res.end('{"statusCode":401,"error":"Unauthorized","message":"Authentication required"}');
        return;
      }
      if (req.method === 'GET' && req.url === '/api/status') {
        res.end('{"name":"dashboards","version":{"number":"2.19.1"},"status":{"overall":{"state":"green"}}}');
        return;
      }
      const get = /^\/api\/saved_objects\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && get) {
        const o = stored.get(`${get[1]}/${decodeURIComponent(get[2] as string)}`);
        res.statusCode = o ? 200 : 404;
        res.end(JSON.stringify(o ?? { statusCode: 404, error: 'Not Found' }));
        return;
      }
      if (req.method === 'POST' && req.url === '/api/saved_objects/_import?overwrite=true') {
        if (!req.headers['osd-xsrf']) { res.statusCode = 400; res.end('{"message":"Request must contain a osd-xsrf header."}'); return; }
        const lines = Buffer.concat(chunks).toString('utf8').split(/\r?\n/).filter((l) => l.startsWith('{"id"'));
        for (const l of lines) { const o = JSON.parse(l); stored.set(`${o.type}/${o.id}`, { attributes: o.attributes }); }
        res.end(JSON.stringify({ success: true, successCount: lines.length }));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
  };
  const server = tls
    ? https.createServer({ key: fs.readFileSync(tls.keyFile), cert: fs.readFileSync(tls.certFile) }, handler)
    : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stored,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
