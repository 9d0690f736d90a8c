/**
 * DEMO_STORE=opensearch — the store side of `make demo`, opt-in (a node needs ~30 s to start and
 * ~1 GB; CI has no time for it): OpenSearch 2.19.1 with the security plugin over HTTPS
 * (scripts/opensearch.sh; its CA goes to the CLI as FILAMENT_SETUP_CA_CERT), `filament setup` on
 * it, and `filament verify --watch`, which the demo's Prometheus scrapes (job filament-verify:
 * https with the run's CA, a bearer token from a 0600 file) so the store's alert rules evaluate
 * with the others. The summary prints the watcher's verdict from its /metrics.
 * The demo's collector still archives to files: the store here holds what setup made, not the
 * run's telemetry (docs/setup.md, "The demo's store").
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export const storeRequested = () => process.env.DEMO_STORE === 'opensearch';

/**
 * Starts the node and runs setup; returns what Prometheus needs to scrape the watcher (start the
 * alerting loop with it), then `startWatcher(vars)` with the loop's output (or none: plain loopback).
 */
export async function prepareStore({ ROOT, OUT, say, freePort, children }) {
  const dir = path.join(OUT, 'store');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Outside OUT/store (0700): run as root, scripts/opensearch.sh starts the node as its own user.
  const nodeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-demo-opensearch-'));
  // Random per run, strong enough for the security plugin's password rules.
  const pw = (p) => `${p}-${randomBytes(9).toString('base64url')}-7q!`;
  const admin = { username: 'admin', password: pw('Adm') };
  const env = {
    ...process.env,
    OPENSEARCH_HTTP_PORT: String(await freePort()),
    OPENSEARCH_TRANSPORT_PORT: String(await freePort()),
    OPENSEARCH_ADMIN_PASSWORD: admin.password,
  };
  const script = path.join(ROOT, 'scripts', 'opensearch.sh');
  execFileSync('bash', [script, 'install'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const started = execFileSync('bash', [script, 'start', nodeDir], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const url = /^url=(\S+)$/m.exec(started)?.[1];
  // The node serves HTTPS with a certificate its own CA signed: setup and the watcher verify it with that CA.
  const storeCa = /^ca=(\S+)$/m.exec(started)?.[1];
  if (!url || !storeCa) throw new Error(`scripts/opensearch.sh start printed no url=… and ca=…:\n${started}`);
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const adminEnv = { PATH: process.env.PATH ?? '', FILAMENT_SETUP_USERNAME: admin.username, FILAMENT_SETUP_PASSWORD: admin.password, FILAMENT_SETUP_CA_CERT: storeCa };
  // ISM is not on Maven Central (scripts/opensearch.sh): retention is skipped, and said so.
  const setup = spawn(process.execPath, [cli, 'setup', '--engine', 'opensearch', '--url', url, '--skip', 'retention'], {
    env: { ...adminEnv, FILAMENT_WRITER_PASSWORD: pw('Wri'), FILAMENT_SUPPORT_PASSWORD: pw('Sup') }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let setupOut = '';
  setup.stdout.on('data', (d) => { setupOut += d; });
  setup.stderr.on('data', (d) => { setupOut += d; });
  const setupCode = await new Promise((resolve) => setup.on('exit', resolve));
  fs.writeFileSync(path.join(dir, 'setup.log'), setupOut, { mode: 0o600 });
  say(`OpenSearch at ${url} (security plugin, HTTPS verified with its CA ${storeCa}; node dir ${nodeDir}); filament setup → exit ${setupCode}: ${setupOut.trim().split('\n').filter((l) => !l.startsWith('retention skipped')).at(-1)} (${path.join(dir, 'setup.log')})`);

  const port = await freePort();
  const tokenFile = path.join(dir, 'metrics.token');
  fs.writeFileSync(tokenFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  fs.chmodSync(tokenFile, 0o600);
  let watcher;
  let ca;
  let metricsUrl;
  let prometheus;
  return {
    url,
    /** For scripts/prometheus.sh start: the scrape job of the watcher. */
    prometheusEnv: { FILAMENT_VERIFY_METRICS: `127.0.0.1:${port}`, FILAMENT_VERIFY_METRICS_TOKEN_FILE: tokenFile },

    /** `vars`: the alerting loop's output (its CA signs VERIFY_TLS_CERT_FILE); without it, plain loopback. */
    startWatcher(vars) {
      const tls = vars?.VERIFY_TLS_CERT_FILE ? ['--tls-cert', vars.VERIFY_TLS_CERT_FILE, '--tls-key', vars.VERIFY_TLS_KEY_FILE] : ['--insecure-loopback-metrics'];
      ca = vars?.ALERTING_CA_FILE ? fs.readFileSync(vars.ALERTING_CA_FILE) : undefined;
      if (vars?.PROMETHEUS_URL) prometheus = { url: vars.PROMETHEUS_URL, credentials: fs.readFileSync(vars.PROMETHEUS_CREDENTIALS_FILE, 'utf8').trim() };
      metricsUrl = `${ca ? 'https' : 'http'}://127.0.0.1:${port}/metrics`;
      const log = fs.openSync(path.join(dir, 'verify-watch.log'), 'a', 0o600);
      watcher = spawn(process.execPath, [cli, 'verify', '--engine', 'opensearch', '--url', url, '--skip', 'retention', '--watch', '--interval', '10s', '--listen', `127.0.0.1:${port}`, ...tls], {
        env: { ...adminEnv, ...(ca ? { FILAMENT_VERIFY_METRICS_TOKEN_FILE: tokenFile } : {}) }, stdio: ['ignore', log, log],
      });
      children.push(watcher);
      say(`filament verify --watch on ${metricsUrl} every 10 s${ca ? ' (TLS with the run\'s CA, bearer token; scraped by Prometheus as job filament-verify)' : ' (no alerting loop: plain loopback, development only)'}; its log: ${path.join(dir, 'verify-watch.log')}`);
    },

    /** The watcher's verdict, from its /metrics: lines for the summary. */
    async verdict() {
      if (!metricsUrl) return ['store: the watcher did not start'];
      let text;
      try {
        text = await get(metricsUrl, ca, ca ? fs.readFileSync(tokenFile, 'utf8').trim() : undefined);
      } catch (error) {
        return [`store: the watcher did not answer at ${metricsUrl} (${error.message})`];
      }
      const value = (series) => new RegExp(`^${series.replace(/[{}"()]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];
      const up = value('filament_store_verify_up');
      const invariants = ['a', 'b', 'c', 'd', 'e'].map((i) => [i, Number(value(`filament_store_policy_violations{invariant="${i}"}`) ?? NaN)]);
      const total = invariants.reduce((n, [, v]) => n + (Number.isNaN(v) ? 0 : v), 0);
      const suspicious = text.split('\n').filter((l) => l.startsWith('filament_store_suspicious_access_total{'));
      // Prometheus's side: did it scrape the watcher (what the store's alert rules see)?
      let scraped = 'no alerting loop';
      if (prometheus) {
        try {
          const q = JSON.parse(await get(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('up{job="filament-verify"}')}`, ca, undefined, `Basic ${Buffer.from(prometheus.credentials).toString('base64')}`));
          const v = q.data?.result?.[0]?.value?.[1];
          scraped = v === '1' ? 'scraped by Prometheus (up{job="filament-verify"} 1)' : `Prometheus's scrape: up{job="filament-verify"} ${v ?? 'absent'}`;
        } catch (error) {
          scraped = `Prometheus could not be asked (${error.message})`;
        }
      }
      return [
        `store (OpenSearch at ${url}), filament verify --watch: ${up === '1' ? 'read the cluster' : up === undefined ? 'no run finished yet' : 'could NOT read the cluster (up 0)'}; `
          + `violations per invariant ${invariants.map(([i, v]) => `${i}=${Number.isNaN(v) ? '?' : v}`).join(' ')} → `
          + (up === '1' ? (total === 0 ? "the logging ADR's rules hold" : `${total} violation(s): see ${path.join(dir, 'verify-watch.log')}`) : 'no verdict'),
        `  ${scraped}; suspicious access: ${suspicious.length === 0 ? 'none' : suspicious.map((l) => l.replace('filament_store_suspicious_access_total', '')).join(', ')}`,
      ];
    },

    async stop() {
      if (watcher && watcher.exitCode === null) {
        const exited = new Promise((r) => watcher.once('exit', r));
        watcher.kill('SIGTERM');
        await exited;
      }
      execFileSync('bash', [script, 'stop', nodeDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}

function get(url, ca, token, authorization = token ? `Bearer ${token}` : undefined) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { ...(ca ? { ca } : {}), headers: authorization ? { authorization } : {}, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
