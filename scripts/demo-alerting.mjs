// @ts-check
/**
 * The alerting loop of `make demo` (docs/alerting.md): Prometheus + Alertmanager
 * (scripts/prometheus.sh), the collector's remote write into Prometheus, and
 * filament-responder on Alertmanager's webhook with the platform's runbooks.
 * It watches Alertmanager's API v2 and the responder's audit file and prints
 * one line per fault: injected at → firing → notified → response → resolved.
 * Runs only when the Debian prometheus and prometheus-alertmanager binaries
 * are installed (`make alerting` installs them) and ALERTING is not 0.
 * Prometheus and Alertmanager run with TLS and basic auth (docs/security.md):
 * every request here goes through scripts/alerting-http.cjs with the run's CA
 * and the operator's credential file; the collector gets its own.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alertingClient } from './alerting-http.cjs';
import { sleep } from './lib/procs.cjs';


/** The detection goal: every injected fault has an alert firing within this many seconds of its onset. */
export const DETECTION_GOAL_S = 30;

/** Which alerts answer which of the load's faults (examples/load/run.mjs). */
const FAULT_ALERTS = {
  // The responder pauses the MES pricing consumer on the 5xx burst: its queue backing up is that answer.
  '5xx burst': (l) => (l.job === 'mes-api' && /^Filament(ApiErrorRatioHigh|ServiceOutage|ApiErrorSpike)$/.test(l.alertname))
    || l.alertname === 'FilamentQueueGrowingWithoutConsumers',
  'poison messages': (l) => l.alertname === 'FilamentDeadLetterBurst' && l.queue_dead_letter_reason === 'rejected',
  'transient queue failures': (l) => l.alertname === 'FilamentDeadLetterBurst' && l.queue_dead_letter_reason === 'delivery_limit',
  'MES slowdown': (l) => (l.alertname === 'FilamentDeadLetterBurst' && /^(expired|maxlen)$/.test(l.queue_dead_letter_reason ?? ''))
    || /^Filament(LatencyP95Regression|PricingTimePerPolygonDrift)$/.test(l.alertname),
};

export function alertingAvailable() {
  if (process.env.ALERTING === '0') return false;
  try {
    execFileSync('bash', ['-c', 'command -v prometheus && command -v prometheus-alertmanager'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {{ ROOT: string, OUT: string, say: (line: string) => void, responderPort: number, prefix: string,
 *   children: import('node:child_process').ChildProcess[] }} o
 */
export async function startAlertingLoop({ ROOT, OUT, say, responderPort, prefix, children, prometheusEnv = {} }) {
  const dir = path.join(OUT, 'alerting');
  fs.mkdirSync(dir, { recursive: true });
  // RabbitMQ's own metrics (queue depth, consumers): the rabbitmq_prometheus plugin, enabled online
  // on loopback; only this run's queues are kept (the broker may be shared).
  let rabbitmq = {};
  try {
    const plugin = execFileSync('bash', [path.join(ROOT, 'scripts', 'prometheus.sh'), 'rabbitmq-plugin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const target = /RABBITMQ_METRICS=(\S+)/.exec(plugin)?.[1];
    if (target) rabbitmq = { FILAMENT_RABBITMQ_METRICS: target, FILAMENT_RABBITMQ_QUEUES: `${prefix.replace(/\./g, '\\.')}.*` };
  } catch {
    say('RabbitMQ\'s prometheus plugin could not be enabled: no queue-depth alerts in this run');
  }
  // The responder's webhook token: a 0600 file Alertmanager reads (http_config.authorization) and the responder too.
  const responderDir = path.join(OUT, 'responder');
  fs.mkdirSync(responderDir, { recursive: true, mode: 0o700 });
  const tokenFile = path.join(responderDir, 'webhook.token');
  fs.writeFileSync(tokenFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  fs.chmodSync(tokenFile, 0o600);
  // The services' token for the collector's OTLP receivers (config.secure.yaml reads it from this file).
  const otlpTokenFile = path.join(dir, 'otlp.token');
  fs.writeFileSync(otlpTokenFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  fs.chmodSync(otlpTokenFile, 0o600);
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'prometheus.sh'), 'start', dir], {
    encoding: 'utf8',
    env: { ...process.env, ...rabbitmq, ...prometheusEnv, FILAMENT_RESPONDER_URL: `https://127.0.0.1:${responderPort}/alerts`, FILAMENT_RESPONDER_TOKEN_FILE: tokenFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  /** @type {Record<string, string>} */
  const vars = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  say(`Prometheus at ${vars.PROMETHEUS_URL}, Alertmanager at ${vars.ALERTMANAGER_URL} (rules: alerting/rules, data: ${dir})`);
  say(`  TLS with this run's CA ${vars.ALERTING_CA_FILE}; basic auth: Prometheus ${vars.PROMETHEUS_CREDENTIALS_FILE}, Alertmanager ${vars.ALERTMANAGER_CREDENTIALS_FILE} (user:password, 0600)`);
  const alertmanager = alertingClient({ caFile: vars.ALERTING_CA_FILE, credentialsFile: vars.ALERTMANAGER_CREDENTIALS_FILE });
  // The responder's readiness probe: TLS with the run's CA, no credentials (GET /-/ready is open).
  const ready = alertingClient({ caFile: vars.ALERTING_CA_FILE });
  const collectorCredentials = fs.readFileSync(vars.PROMETHEUS_REMOTE_WRITE_CREDENTIALS_FILE, 'utf8').trim();

  /** @type {Map<string, {labels: Record<string,string>, fingerprint: string, startsAt: string, firstSeen: number, lastSeen: number, state: string, silenced: boolean}>} */
  const seen = new Map();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      try {
        const res = await alertmanager('GET', `${vars.ALERTMANAGER_URL}/api/v2/alerts`);
        /** @type {{labels: Record<string,string>, startsAt: string, fingerprint: string, status: {state: string, silencedBy: string[]}}[]} */
        const alerts = JSON.parse(res.text);
        const now = Date.now();
        for (const a of alerts) {
          const key = `${a.fingerprint}|${a.startsAt}`;
          const entry = seen.get(key) ?? { labels: a.labels, fingerprint: a.fingerprint, startsAt: a.startsAt, firstSeen: now, lastSeen: now, state: a.status.state, silenced: false };
          entry.lastSeen = now;
          if (a.status.silencedBy.length > 0) entry.silenced = true;
          if (a.status.state === 'active') entry.state = 'active';
          seen.set(key, entry);
        }
      } catch {
        // Alertmanager restarting or stopping: try again
      }
      await sleep(1000);
    }
  })();

  const auditFile = path.join(responderDir, 'audit.jsonl');
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let responder;

  return {
    /** The collector's environment for config.prometheus.yaml: Prometheus's URL, the CA, the `collector` user's header. */
    /**
     * The collector's OTLP receivers behind TLS (a certificate of the run's CA) and a bearer token
     * (collector/config.secure.yaml), and what the services need to reach them.
     */
    otlpSecurity: {
      collectorEnv: {
        FILAMENT_COLLECTOR_TLS_CERT_FILE: vars.COLLECTOR_TLS_CERT_FILE, FILAMENT_COLLECTOR_TLS_KEY_FILE: vars.COLLECTOR_TLS_KEY_FILE,
        FILAMENT_COLLECTOR_TOKEN_FILE: otlpTokenFile,
      },
      serviceEnv: {
        OTEL_EXPORTER_OTLP_CERTIFICATE: vars.ALERTING_CA_FILE,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${fs.readFileSync(otlpTokenFile, 'utf8').trim()}`,
      },
    },

    collectorEnv: {
      FILAMENT_PROMETHEUS_REMOTE_WRITE_URL: vars.PROMETHEUS_REMOTE_WRITE_URL,
      FILAMENT_PROMETHEUS_CA_FILE: vars.ALERTING_CA_FILE,
      FILAMENT_PROMETHEUS_REMOTE_WRITE_AUTHORIZATION: `Basic ${Buffer.from(collectorCredentials).toString('base64')}`,
    },

    /** @param {{ mesUrl: string, amqpUrl: string, prefix: string, otel: Record<string,string> }} p */
    async startResponder({ mesUrl, amqpUrl, prefix, otel }) {
      fs.mkdirSync(responderDir, { recursive: true });
      const toggle = (alertname) => ({
        action: 'http-toggle', match: { alertname, job: 'mes-api' },
        onFiring: { method: 'POST', url: `${mesUrl}/admin/consumers/pause` },
        onResolved: { method: 'POST', url: `${mesUrl}/admin/consumers/resume` },
        // The paused consumer's queue backing up is intended: silenced while paused (docs/alerting.md).
        silence: { matchers: { alertname: 'FilamentQueueGrowingWithoutConsumers', queue: `${prefix}mes.pricing.requests` } },
      });
      const config = {
        listen: `127.0.0.1:${responderPort}`, amqpUrl, dryRun: process.env.DRY_RUN === '1',
        // Every alert is confirmed there before the responder acts on it.
        // Every alert is confirmed there, as the `responder` user, before the responder acts on it.
        alertmanager: { url: vars.ALERTMANAGER_URL, caFile: vars.ALERTING_CA_FILE, credentialsFile: vars.ALERTMANAGER_RESPONDER_CREDENTIALS_FILE },
        // Alertmanager calls it over TLS with the run's certificate, with the token.
        tls: { certFile: vars.RESPONDER_TLS_CERT_FILE, keyFile: vars.RESPONDER_TLS_KEY_FILE },
        tokenFile,
        auditFile, stateFile: path.join(responderDir, 'state.jsonl'),
        runbooks: [
          { action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst' }, deadLetterQueue: `${prefix}platform.dlq`,
            parkingLotQueue: `${prefix}platform.parking-lot`, maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 10000 },
          toggle('FilamentServiceOutage'),
          toggle('FilamentApiErrorRatioHigh'),
        ],
      };
      // 0600: the config holds the broker URL with its password.
      fs.writeFileSync(path.join(responderDir, 'responder.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
      fs.chmodSync(path.join(responderDir, 'responder.json'), 0o600);
      const log = fs.openSync(path.join(responderDir, 'responder.log'), 'w');
      responder = spawn(process.execPath, [path.join(ROOT, 'dist', 'responder.js'), '--config', path.join(responderDir, 'responder.json')], {
        env: { ...process.env, ...otel, OTEL_SERVICE_NAME: 'filament-responder', FILAMENT_LOG_FILE_DIR: path.join(OUT, 'events', 'filament-responder') },
        stdio: ['ignore', log, log],
      });
      children.push(responder);
      for (let i = 0; i < 200; i++) {
        try {
          if ((await ready('GET', `https://127.0.0.1:${responderPort}/-/ready`)).status === 200) break;
        } catch {
          // not up yet
        }
        if (responder.exitCode !== null) throw new Error(`filament-responder exited (see ${responderDir}/responder.log)`);
        await sleep(100);
      }
      say(`filament-responder at https://127.0.0.1:${responderPort}/alerts (bearer token ${path.relative(process.cwd(), tokenFile)})${config.dryRun ? ' (DRY_RUN=1)' : ''}: re-drive ${prefix}platform.dlq, pause/resume the MES pricing consumer`);
    },

    /** Waits until every alert seen has resolved and been answered (or waitS passes). */
    async settle(waitS) {
      const end = Date.now() + waitS * 1000;
      say(`waiting up to ${waitS} s for the alerts to resolve and the responder to answer (ALERT_WAIT_S)`);
      while (Date.now() < end) {
        await sleep(2000);
        const now = Date.now();
        const open = [...seen.values()].filter((a) => now - a.lastSeen < 2500);
        const audit = readAudit(auditFile);
        const pendingRedrive = [...seen.values()].some((a) => a.labels.alertname === 'FilamentDeadLetterBurst' && a.state === 'active'
          && !audit.some((r) => r.kind === 'action' && r.status === 'resolved' && r.fingerprint === a.fingerprint && r.startsAt === a.startsAt));
        if (seen.size > 0 && open.length === 0 && !pendingRedrive) return;
      }
      say(seen.size === 0 ? 'no alert fired' : 'some alerts were still open when the wait ended');
    },

    /** One line per fault, the dead-letter counts, alerts no fault explains. @param {Record<string,string>} faultAt */
    summary(faultAt) {
      const audit = readAudit(auditFile);
      const t = (iso) => new Date(iso).getTime();
      const rel = (ms, from) => `+${((ms - from) / 1000).toFixed(1)} s`;
      const lines = [];
      const explained = new Set();
      /** Faults with no alert firing within DETECTION_GOAL_S of their onset (README: every fault fires within 30 s). */
      const late = [];
      for (const [fault, at] of Object.entries(faultAt)) {
        const match = FAULT_ALERTS[/** @type {keyof typeof FAULT_ALERTS} */ (fault)] ?? (() => false);
        const alerts = [...seen.entries()].filter(([, a]) => match(a.labels) && t(a.startsAt) >= t(at) - 1000);
        const first = Math.min(...alerts.map(([, a]) => t(a.startsAt)));
        if (alerts.length === 0 || first - t(at) > DETECTION_GOAL_S * 1000) {
          late.push(`${fault} (${alerts.length === 0 ? 'no alert' : `first alert ${rel(first, t(at))}`})`);
        }
        const clock = new Date(at).toISOString().slice(11, 19);
        if (alerts.length === 0) {
          // The responder's answer to an earlier MES fault may have prevented this one's damage.
          const on = audit.filter((r) => r.kind === 'action' && r.what === 'http-toggle on' && r.outcome === 'ok' && t(r.time) <= t(at));
          const off = audit.filter((r) => r.kind === 'action' && r.what === 'http-toggle off' && r.outcome === 'ok' && t(r.time) >= t(at));
          const paused = on.length > 0 && off.length > 0 ? ' (the MES pricing consumer was paused by the responder: requests waited instead of failing)' : '';
          lines.push(`${fault}: injected ${clock} → no alert${paused}`);
          continue;
        }
        for (const [key, a] of alerts) {
          explained.add(key);
          if (a.state !== 'active') {
            lines.push(`${fault}: injected ${clock} → ${a.labels.alertname}{${a.labels.queue ?? a.labels.job ?? ''}} ${a.silenced ? 'silenced by the responder while it paused the consumer' : 'inhibited by a related alert'} (not notified)`);
            continue;
          }
          const mine = audit.filter((r) => r.fingerprint === a.fingerprint && r.startsAt === a.startsAt);
          const notified = mine.find((r) => r.status === 'firing');
          const actions = mine.filter((r) => r.kind === 'action')
            .map((r) => `${r.what} ${r.outcome}${r.counts?.redriven !== undefined ? ` (re-driven ${r.counts.redriven}, parked ${r.counts.parked})` : ''}`);
          const resolved = mine.find((r) => r.status === 'resolved')?.time
            ?? (Date.now() - a.lastSeen > 2500 ? new Date(a.lastSeen).toISOString() : undefined);
          const where = [a.labels.job, a.labels.http_route, a.labels.queue_dead_letter_queue, a.labels.queue_dead_letter_reason].filter(Boolean).join(' ');
          lines.push(`${fault}: injected ${clock} → ${a.labels.alertname}{${where}} firing ${rel(t(a.startsAt), t(at))}`
            + ` → notified ${notified ? rel(t(notified.time), t(at)) : 'no'} → ${actions.length > 0 ? actions.join(', ') : 'no action'}`
            + ` → resolved ${resolved ? rel(t(resolved), t(at)) : 'not yet'}`);
        }
      }
      const others = [...seen.entries()].filter(([k]) => !explained.has(k)).map(([, a]) => `${a.labels.alertname}{${a.labels.job ?? a.labels.queue ?? ''}}`);
      const redrives = audit.filter((r) => r.kind === 'action' && r.counts?.redriven !== undefined);
      const sum = (k) => redrives.reduce((n, r) => n + (r.counts?.[k] ?? 0), 0);
      return {
        lines,
        late,
        others,
        counts: `dead letters re-driven ${sum('redriven')}, parked ${sum('parked')} (${sum('parkedPermanent')} permanent failures, ${sum('parkedExhausted')} out of attempts)`,
      };
    },

    /** scripts/prometheus.sh start's output (URLs, the CA, the certificates it made). */
    vars,

    /** Every alert Alertmanager held during the run (active, silenced or inhibited), as name{where}. */
    fired() {
      return [...seen.values()].map((a) => `${a.labels.alertname}{${[a.labels.job, a.labels.http_route, a.labels.queue, a.labels.queue_dead_letter_queue, a.labels.queue_dead_letter_reason, a.labels.model3d_format].filter(Boolean).join(' ')}}`);
    },

    async stop() {
      watching = false;
      await watcher;
      if (responder && responder.exitCode === null) {
        const exited = new Promise((r) => responder?.once('exit', r));
        responder.kill('SIGTERM');
        await exited;
      }
      execFileSync('bash', [path.join(ROOT, 'scripts', 'prometheus.sh'), 'stop', dir], { stdio: 'inherit' });
    },
  };
}

/** @returns {{kind: string, what: string, status: string, alertname: string, fingerprint: string, startsAt: string, time: string, outcome?: string, counts?: Record<string, number>}[]} */
function readAudit(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
