/**
 * One Alertmanager 0.25 (Debian's prometheus-alertmanager) over TLS on a free
 * loopback port, for the responder's tests: alerts are posted into it through
 * its API v2 so that the webhooks a test sends describe alerts Alertmanager
 * really holds (or, for the forgery tests, does not). It notifies no one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { freePort } from './collector';
import { sleep, waitFor } from '../../scripts/lib/procs.cjs';
import { makeCertificates, type TestCertificates } from './tls';

export interface HeldAlert { fingerprint: string; startsAt: string; labels: Record<string, string> }

export interface TestAlertmanager {
  url: string;
  certificates: TestCertificates;
  /** Posts a firing alert and returns it as Alertmanager holds it (fingerprint included). */
  fire(labels: Record<string, string>, startsAt: string): Promise<HeldAlert>;
  /** Posts the same alert with endsAt now: resolved, no longer listed by the API. */
  resolve(labels: Record<string, string>, startsAt: string): Promise<void>;
  api(method: string, apiPath: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startTestAlertmanager(dir: string): Promise<TestAlertmanager> {
  fs.mkdirSync(dir, { recursive: true });
  const certificates = makeCertificates(path.join(dir, 'tls'), 'alertmanager');
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'alertmanager.yml'), 'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n');
  fs.writeFileSync(path.join(dir, 'web.yml'), `tls_server_config:\n  cert_file: ${certificates.certFile}\n  key_file: ${certificates.keyFile}\n`);
  const log = fs.openSync(path.join(dir, 'alertmanager.log'), 'w');
  const child: ChildProcess = spawn('prometheus-alertmanager', [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, `--web.config.file=${path.join(dir, 'web.yml')}`, '--cluster.listen-address=',
  ], { stdio: ['ignore', log, log] });
  const exited = new Promise((r) => child.once('exit', r));
  const url = `https://127.0.0.1:${port}`;
  const agent = new https.Agent({ ca: certificates.ca });
  const api = (method: string, apiPath: string, body?: unknown): Promise<unknown> => new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(`${url}/${apiPath}`, { method, agent, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => ((res.statusCode ?? 0) >= 300 ? reject(new Error(`${method} ${apiPath}: ${res.statusCode} ${text}`)) : resolve(text === '' ? undefined : JSON.parse(text))));
    });
    req.on('error', reject);
    req.end(payload);
  });
  await waitFor('Alertmanager ready', 20_000, async () => {
    if (child.exitCode !== null) throw new Error(fs.readFileSync(path.join(dir, 'alertmanager.log'), 'utf8'));
    return (await api('GET', 'api/v2/status')) !== undefined ? true : undefined;
  });
  return {
    url,
    certificates,
    api,
    async fire(labels, startsAt) {
      await api('POST', 'api/v2/alerts', [{ labels, startsAt, endsAt: new Date(Date.now() + 3600_000).toISOString() }]);
      return waitFor('the alert held', 10_000, async () => {
        const held = (await api('GET', 'api/v2/alerts')) as HeldAlert[];
        return held.find((a) => a.labels.alertname === labels.alertname && Date.parse(a.startsAt) === Date.parse(startsAt)
          && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
      });
    },
    async resolve(labels, startsAt) {
      // endsAt now (not before startsAt, which Alertmanager refuses): the API lists it no more from the next instant.
      const endsAt = new Date(Math.max(Date.now(), Date.parse(startsAt) + 1)).toISOString();
      await api('POST', 'api/v2/alerts', [{ labels, startsAt, endsAt }]);
      await sleep(5); // past the instant of endsAt
    },
    async stop() {
      agent.destroy();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
