// @ts-check
/**
 * Requests to Prometheus and Alertmanager as scripts/prometheus.sh runs them:
 * https verified against the run's CA, basic auth from a 0600 `user:password`
 * file. One place for the demo (scripts/demo-alerting.mjs) and the tests
 * (test/support/prometheus.ts), CommonJS so that both can load it. node:https rather than fetch: fetch takes no
 * CA per request (Node's bundled undici keeps its Agent internal).
 */
'use strict';
const fs = require('node:fs');
const https = require('node:https');

/**
 * @param {{ caFile: string, credentialsFile?: string }} o  no credentialsFile: requests go without auth (attack tests)
 * @returns {(method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number, text: string }>}
 */
function alertingClient({ caFile, credentialsFile }) {
  const ca = fs.readFileSync(caFile);
  // Read once: the password stays in this process, never on a command line or in a log.
  const authorization = credentialsFile === undefined
    ? undefined
    : `Basic ${Buffer.from(fs.readFileSync(credentialsFile, 'utf8').trim()).toString('base64')}`;
  return (method, url, body, headers = {}) => new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : (Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)));
    const req = https.request(url, {
      method, ca, timeout: 10_000,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(payload && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
    }, (res) => {
      const chunks = /** @type {Buffer[]} */ ([]);
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

module.exports = { alertingClient };
