/**
 * collector/docker-compose.yml cannot run here (no Docker engine): its wiring
 * is checked statically instead — what docs/collector.md promises about users,
 * volumes, health checks and start order. scripts/compose-e2e.sh is the run
 * where Docker is.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { COLLECTOR_RUNTIME_ENV, collectorBinary } from './support/collector';
import { ROOT } from './support/fixture';
import { readCollectorYaml } from './support/standin';

interface Service {
  image: string;
  entrypoint?: string[];
  user?: string;
  stop_grace_period?: string;
  environment?: string[];
  volumes?: string[];
  ports?: string[];
  command?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = readCollectorYaml('docker-compose.yml') as { services: Record<string, Service>; volumes: Record<string, unknown> };
const svc = (name: string): Service => {
  const s = compose.services[name];
  assert.ok(s, `service ${name}`);
  return s;
};
const env = (name: string): Record<string, string> =>
  Object.fromEntries((svc(name).environment ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
/** `${VAR:?…}` / `${VAR:-…}` → VAR */
const varOf = (value: string | undefined): string | undefined => /^\$\{([A-Z_]+)[:?-]/.exec(value ?? '')?.[1];

describe('collector/docker-compose.yml (static: no Docker engine here)', () => {
  it('runs current releases: Elasticsearch and Kibana 9.x, the contrib collector of our manifest version', () => {
    for (const name of ['elasticsearch', 'kibana']) {
      const m = /:\$\{ELASTIC_VERSION:-(\d+)\.(\d+)\.(\d+)\}$/.exec(svc(name).image);
      assert.ok(m && Number(m[1]) >= 9, svc(name).image);
    }
    const manifest = fs.readFileSync(path.join(ROOT, 'collector', 'builder-config.yaml'), 'utf8');
    const core = /otlpreceiver (v[\d.]+)/.exec(manifest)?.[1];
    assert.equal(svc('collector').image, `otel/opentelemetry-collector-contrib:${core?.slice(1)}`);
  });

  it('a one-shot setup runs `filament setup` as elastic once Elasticsearch is healthy, and sets the kibana_system password', () => {
    const setup = svc('setup');
    assert.deepEqual(setup.depends_on, { elasticsearch: { condition: 'service_healthy' } });
    const e = env('setup');
    assert.equal(e.FILAMENT_SETUP_USERNAME, 'elastic');
    assert.equal(varOf(e.FILAMENT_SETUP_PASSWORD), 'ELASTIC_PASSWORD');
    assert.equal(varOf(e.FILAMENT_WRITER_PASSWORD), 'FILAMENT_WRITER_PASSWORD');
    assert.equal(varOf(e.FILAMENT_SUPPORT_PASSWORD), 'FILAMENT_SUPPORT_PASSWORD');
    assert.equal(varOf(e.KIBANA_PASSWORD), 'KIBANA_PASSWORD');
    const script = fs.readFileSync(path.join(ROOT, 'scripts', 'compose-setup.sh'), 'utf8');
    assert.match(script, /npm ci[\s\S]*npm run -s build[\s\S]*node dist\/cli\.js setup --engine elasticsearch --url "\$ELASTICSEARCH_URL"/);
    assert.equal(e.ELASTICSEARCH_URL, 'https://elasticsearch:9200');
    // The basic licence has no audit: setup would refuse (exit 1) unless the step is skipped by name.
    assert.equal(e.FILAMENT_SETUP_SKIP, '${FILAMENT_SETUP_SKIP-audit}');
    assert.match(script, /skip="\$\{FILAMENT_SETUP_SKIP-audit\}"[\s\S]*--skip "\$skip"/);
    assert.match(script, /_security\/user\/kibana_system\/_password/);
    assert.ok(setup.command?.join(' ').includes('/repo/scripts/compose-setup.sh'));
    assert.ok(setup.volumes?.includes('..:/repo:ro'), 'the repository, read-only');
  });

  it('imports the dashboards once Kibana is healthy, with the same setup script and credentials', () => {
    const d = svc('setup-dashboards');
    assert.deepEqual(d.depends_on, { kibana: { condition: 'service_healthy' } });
    assert.equal(env('setup-dashboards').FILAMENT_DASHBOARDS_URL, 'https://kibana:5601');
    assert.deepEqual(d.command, svc('setup').command);
    for (const k of ['FILAMENT_SETUP_USERNAME', 'FILAMENT_SETUP_PASSWORD', 'FILAMENT_WRITER_PASSWORD', 'FILAMENT_SUPPORT_PASSWORD', 'KIBANA_PASSWORD', 'FILAMENT_SETUP_SKIP']) {
      assert.equal(env('setup-dashboards')[k], env('setup')[k], k);
    }
  });

  it('Kibana logs in as kibana_system with the password setup sets, and starts after setup', () => {
    assert.equal(env('kibana').ELASTICSEARCH_USERNAME, 'kibana_system');
    assert.equal(varOf(env('kibana').ELASTICSEARCH_PASSWORD), varOf(env('setup').KIBANA_PASSWORD));
    assert.deepEqual(svc('kibana').depends_on?.setup, { condition: 'service_completed_successfully' });
  });

  it('the collector writes as filament_writer (never elastic), with the password setup gives that user', () => {
    const e = env('collector');
    assert.equal(e.ELASTICSEARCH_USER, 'filament_writer');
    assert.equal(varOf(e.ELASTICSEARCH_PASSWORD), varOf(env('setup').FILAMENT_WRITER_PASSWORD));
    assert.deepEqual(svc('collector').depends_on?.setup, { condition: 'service_completed_successfully' });
  });

  it('the collector runs with the Go runtime settings the tests and benches measured (GOGC; scripts/lib/procs.cjs)', () => {
    const e = env('collector');
    for (const [name, value] of Object.entries(COLLECTOR_RUNTIME_ENV)) assert.equal(e[name], value, name);
  });

  it("the collector's storage and archive are on a volume made writable for the image's user (10001) before it starts", () => {
    const collector = svc('collector');
    assert.equal(collector.user, '10001:10001');
    const mount = collector.volumes?.find((v) => v.startsWith('otelcol:'))?.split(':')[1];
    assert.ok(mount);
    const e = env('collector');
    assert.ok(e.FILAMENT_COLLECTOR_STORAGE_DIR?.startsWith(`${mount}/`));
    assert.ok(e.FILAMENT_COLLECTOR_ARCHIVE_DIR?.startsWith(`${mount}/`));
    const init = svc('collector-storage');
    assert.ok(init.volumes?.includes(`otelcol:${mount}`));
    const cmd = init.command?.join(' ') ?? '';
    assert.match(cmd, new RegExp(`chown -R 10001:10001 ${mount}`));
    for (const dir of [e.FILAMENT_COLLECTOR_STORAGE_DIR, e.FILAMENT_COLLECTOR_ARCHIVE_DIR]) assert.ok(cmd.includes(dir as string), `mkdir ${dir}`);
    assert.deepEqual(collector.depends_on?.['collector-storage'], { condition: 'service_completed_successfully' });
  });

  it('a stop during a store outage keeps the batches: the hop to the store has the disk queue, the exporter none to drain; the grace covers one hop attempt', () => {
    // Before issue 22 item 6 the exporter held the queue with a 15m timeout and this grace had to end the
    // stop by a kill; now the loopback hop keeps every batch on disk whether the stop ends by itself or by the kill.
    const exporters = readCollectorYaml('config.elasticsearch.yaml').exporters as Record<string, Record<string, unknown>>;
    assert.deepEqual(exporters.elasticsearch?.sending_queue, { enabled: false });
    assert.equal((exporters['otlphttp/elasticsearch']?.sending_queue as Record<string, unknown>).storage, 'file_storage');
    const grace = /^(\d+)s$/.exec(svc('collector').stop_grace_period ?? '');
    const attempt = /^(\d+)s$/.exec(String(exporters['otlphttp/elasticsearch']?.timeout));
    assert.ok(grace && attempt, 'both set');
    assert.ok(Number(grace[1]) >= Number(attempt[1]));
  });

  it('mounts the shipped configs, the Elasticsearch overlay included', () => {
    const collector = svc('collector');
    for (const f of ['config.yaml', 'config.elasticsearch.yaml']) {
      assert.ok(collector.volumes?.includes(`./${f}:/etc/filament/${f}:ro`), f);
      assert.ok(collector.command?.includes(`--config=/etc/filament/${f}`), f);
      assert.ok(fs.existsSync(path.join(ROOT, 'collector', f)));
    }
  });

  it('health checks on Elasticsearch, Kibana and RabbitMQ; every port on 127.0.0.1 only', () => {
    for (const name of ['elasticsearch', 'kibana', 'rabbitmq']) assert.ok(svc(name).healthcheck?.test.length, name);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} ${p}`);
    }
  });

  it('every required password variable is written by scripts/compose-env.sh (make up)', () => {
    const text = fs.readFileSync(path.join(ROOT, 'collector', 'docker-compose.yml'), 'utf8');
    const required = new Set([...text.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1] as string));
    assert.ok(required.size >= 4);
    const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'compose-env.sh')], { encoding: 'utf8' });
    const written = new Map([...out.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
    for (const v of required) assert.match(written.get(v) ?? '', /^[A-Za-z0-9]{32}$/, v);
  });

  it('scripts/compose-e2e.sh checks the six events, a histogram, traces and a restart, and is valid bash', () => {
    const file = path.join(ROOT, 'scripts', 'compose-e2e.sh');
    execFileSync('bash', ['-n', file]);
    const script = fs.readFileSync(file, 'utf8');
    for (const needle of ['api.request', 'api.error', 'queue.message', 'queue.dead_lettered', 'order.status_changed', 'model3d.priced',
      'http.server.request.duration', 'traces-filament.api.otel-*', 'restart elasticsearch', 'restart collector', 'make up', 'make down', 'validate --config=/c/config.yaml']) {
      assert.ok(script.includes(needle), needle);
    }
  });

  it('scripts/compose-hung-store.sh hangs Elasticsearch (docker pause), stops the collector during the hang, counts, and is valid bash', () => {
    const file = path.join(ROOT, 'scripts', 'compose-hung-store.sh');
    execFileSync('bash', ['-n', file]);
    const script = fs.readFileSync(file, 'utf8');
    for (const needle of ['docker pause', 'docker unpause', 'stop collector', 'start collector', 'otlphttp/elasticsearch', 'Dropping data',
      'check_counts', 'make up', 'make down', 'validate --config=/c/config.yaml --config=/c/config.secure.yaml --config=/c/config.elasticsearch.yaml']) {
      assert.ok(script.includes(needle), needle);
    }
  });
});

/** `--flag=value` of a service's command. */
const flag = (name: string, f: string): string | undefined =>
  svc(name).command?.find((c) => c.startsWith(`--${f}=`))?.slice(f.length + 3);
/** The mount target of a named volume or bind source in a service. */
const mountOf = (name: string, source: string): string | undefined =>
  svc(name).volumes?.map((v) => v.split(':')).find((v) => v[0] === source)?.[1];
/** The uid a service runs as (`user: "uid:gid"`). */
const uidOf = (name: string): number => Number((svc(name).user ?? '').split(':')[0]);

/** `name`'s file in its own directory of the `secrets` volume, as the service sees it. */
const ownSecret = (name: string, dir: string, file: string): string => `${mountOf(name, 'secrets')}/${dir}/${file}`;
/** The users compose-secrets.sh gives each service's directory to (its `OWNER` map). */
const secretOwners = (): Record<string, number> => {
  const line = /^declare -A OWNER=\((.*)\)$/m.exec(fs.readFileSync(path.join(ROOT, 'scripts', 'compose-secrets.sh'), 'utf8'))?.[1] ?? '';
  return Object.fromEntries([...line.matchAll(/\[([a-z-]+)\]=(\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
};

describe('collector/docker-compose.yml: Elasticsearch and Kibana over TLS with the stack\'s CA (static wiring)', () => {
  it('Elasticsearch serves HTTPS with its certificate from its own secrets directory, mounted read-only under its config directory', () => {
    const e = env('elasticsearch');
    assert.equal(e['xpack.security.http.ssl.enabled'], 'true');
    // Elasticsearch reads SSL files only under its config directory ("SSL resources should be placed in the
    // [/usr/share/elasticsearch/config] directory"), so the volume is mounted there, as Elastic's compose example does.
    const mount = mountOf('elasticsearch', 'secrets');
    assert.ok(mount?.startsWith('/usr/share/elasticsearch/config/'), `${mount}`);
    assert.ok(svc('elasticsearch').volumes?.includes(`secrets:${mount}:ro`), 'read-only');
    assert.equal(e['xpack.security.http.ssl.key'], ownSecret('elasticsearch', 'elasticsearch', 'elasticsearch.key'));
    assert.equal(e['xpack.security.http.ssl.certificate'], ownSecret('elasticsearch', 'elasticsearch', 'elasticsearch.crt'));
    assert.equal(e['xpack.security.http.ssl.certificate_authorities'], ownSecret('elasticsearch', 'elasticsearch', 'ca.crt'));
    assert.deepEqual(svc('elasticsearch').depends_on, { secrets: { condition: 'service_completed_successfully' } });
    const health = svc('elasticsearch').healthcheck?.test.join(' ') ?? '';
    assert.ok(health.includes(`--cacert ${ownSecret('elasticsearch', 'elasticsearch', 'ca.crt')}`), health);
    assert.match(health, /'https:\/\/localhost:9200\/_cluster\/health/);
  });

  it('Kibana reaches Elasticsearch over https with the CA, and serves the browser over HTTPS with its own certificate', () => {
    const e = env('kibana');
    assert.equal(e.ELASTICSEARCH_HOSTS, 'https://elasticsearch:9200');
    assert.equal(e.ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES, ownSecret('kibana', 'kibana', 'ca.crt'));
    assert.equal(e.SERVER_SSL_ENABLED, 'true');
    assert.equal(e.SERVER_SSL_CERTIFICATE, ownSecret('kibana', 'kibana', 'kibana.crt'));
    assert.equal(e.SERVER_SSL_KEY, ownSecret('kibana', 'kibana', 'kibana.key'));
    assert.ok(svc('kibana').volumes?.includes(`secrets:${mountOf('kibana', 'secrets')}:ro`), 'read-only');
    assert.deepEqual(svc('kibana').depends_on?.secrets, { condition: 'service_completed_successfully' });
    const health = svc('kibana').healthcheck?.test.join(' ') ?? '';
    assert.ok(health.includes(`--cacert ${ownSecret('kibana', 'kibana', 'ca.crt')}`), health);
    assert.match(health, /https:\/\/localhost:5601/);
  });

  it('the collector writes to https://elasticsearch:9200 verifying the CA (tls.ca_file from ELASTICSEARCH_CA_FILE); the OpenSearch overlay takes OPENSEARCH_CA_FILE', () => {
    const e = env('collector');
    assert.equal(e.ELASTICSEARCH_ENDPOINT, 'https://elasticsearch:9200');
    assert.equal(e.ELASTICSEARCH_CA_FILE, ownSecret('collector', 'collector', 'ca.crt'));
    const es = readCollectorYaml('config.elasticsearch.yaml').exporters as Record<string, Record<string, unknown>>;
    assert.deepEqual(es.elasticsearch?.tls, { ca_file: '${env:ELASTICSEARCH_CA_FILE:-}' });
    assert.deepEqual(es.elasticsearch?.endpoints, ['${env:ELASTICSEARCH_ENDPOINT:-https://elasticsearch:9200}']);
    const os_ = readCollectorYaml('config.opensearch.yaml').exporters as Record<string, { http: Record<string, unknown> }>;
    assert.deepEqual(os_.opensearch?.http.tls, { ca_file: '${env:OPENSEARCH_CA_FILE:-}' });
    assert.equal(os_.opensearch?.http.endpoint, '${env:OPENSEARCH_ENDPOINT:-https://opensearch:9200}');
  });

  it('setup, setup-dashboards and verify-watch reach Elasticsearch and Kibana over https with the CA from their own directory', () => {
    for (const name of ['setup', 'setup-dashboards']) {
      const e = env(name);
      assert.equal(e.ELASTICSEARCH_URL, 'https://elasticsearch:9200', name);
      assert.equal(e.FILAMENT_SETUP_CA_CERT, ownSecret(name, 'setup', 'ca.crt'), name);
      assert.ok(svc(name).volumes?.includes(`secrets:${mountOf(name, 'secrets')}:ro`), `${name}: read-only`);
    }
    assert.equal(env('setup-dashboards').FILAMENT_DASHBOARDS_URL, 'https://kibana:5601');
    // Their start waits for the secrets through Elasticsearch's (setup) and Kibana's (setup-dashboards) own dependency.
    assert.deepEqual(svc('kibana').depends_on?.elasticsearch, { condition: 'service_healthy' });
    // The script's own call (kibana_system's password) verifies the CA too.
    const script = fs.readFileSync(path.join(ROOT, 'scripts', 'compose-setup.sh'), 'utf8');
    assert.match(script, /curl [^\n]*--cacert "\$FILAMENT_SETUP_CA_CERT"[\s\S]*"\$ELASTICSEARCH_URL\/_security\/user\/kibana_system\/_password"/);
    const cmd = svc('verify-watch').command ?? [];
    assert.equal(cmd[cmd.indexOf('--url') + 1], 'https://elasticsearch:9200');
    assert.equal(env('verify-watch').FILAMENT_SETUP_CA_CERT, ownSecret('verify-watch', 'verify-watch', 'ca.crt'));
  });

  it('no password on a command line (which `ps` shows every local user, container processes included): curl reads credentials from a config file or stdin', () => {
    for (const f of ['collector/docker-compose.yml', 'scripts/compose-e2e.sh', 'scripts/compose-hung-store.sh', 'scripts/compose-setup.sh', 'scripts/lib/compose-checks.sh']) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      assert.doesNotMatch(text, /(^|\s)(-u|--user)\s+\\?"?\$?\$?\{?[A-Za-z_]*:/m, `${f}: curl -u user:password`);
    }
  });

  it('no plain http:// to Elasticsearch or Kibana is left in the compose file, the Docker scripts or the setup script', () => {
    for (const f of ['collector/docker-compose.yml', 'scripts/compose-e2e.sh', 'scripts/compose-hung-store.sh', 'scripts/compose-setup.sh']) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      assert.doesNotMatch(text, /http:\/\/(elasticsearch|kibana|localhost:(9200|5601)|127\.0\.0\.1:(9200|5601))/, f);
    }
    // The host's scripts: https with the stack's CA (collector/secrets/ca.crt) for every call to Elasticsearch.
    for (const f of ['scripts/compose-e2e.sh', 'scripts/compose-hung-store.sh']) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      assert.match(text, /^ES=https:\/\/127\.0\.0\.1:9200$/m, f);
      assert.match(text, /^AUTH=\(--cacert collector\/secrets\/ca\.crt -K collector\/secrets\/elastic\.curl\)$/m, f);
    }
  });

  it("compose-secrets.sh gives the Elastic services' directories to the images' user (1000) and the setup one-shots' to root, as compose runs them", () => {
    const owners = secretOwners();
    // The official Elasticsearch and Kibana images run as uid 1000 (gid 0); compose sets no `user:` for them.
    for (const name of ['elasticsearch', 'kibana']) {
      assert.equal(svc(name).user, undefined, name);
      assert.equal(owners[name], 1000, name);
    }
    // setup and setup-dashboards run as the node image's root (npm ci into /build): one directory, the CA only.
    for (const name of ['setup', 'setup-dashboards']) assert.equal(svc(name).user, undefined, name);
    assert.equal(owners.setup, 0);
    for (const name of ['collector', 'verify-watch']) assert.equal(owners[name], uidOf(name), name);
  });
});

/** collector/rabbitmq-tls.conf, the RabbitMQ TLS listener's settings (key = value lines). */
const rabbitmqTls = (): Record<string, string> => Object.fromEntries(fs.readFileSync(path.join(ROOT, 'collector', 'rabbitmq-tls.conf'), 'utf8')
  .split('\n').filter((l) => /^[a-z]/.test(l)).map((l) => l.split(/\s*=\s*/) as [string, string]));

describe('collector/docker-compose.yml: filament-responder → RabbitMQ over TLS (static wiring)', () => {
  it('RabbitMQ loads rabbitmq-tls.conf from conf.d: a TLS listener on 5671 with its certificate and key from its own secrets directory', () => {
    const mount = svc('rabbitmq').volumes?.find((v) => v.startsWith('./rabbitmq-tls.conf:'));
    assert.match(mount ?? '', /^\.\/rabbitmq-tls\.conf:\/etc\/rabbitmq\/conf\.d\/[0-9]+-[a-z-]+\.conf:ro$/);
    assert.ok(svc('rabbitmq').volumes?.includes(`secrets:${mountOf('rabbitmq', 'secrets')}:ro`));
    const conf = rabbitmqTls();
    assert.equal(conf['listeners.ssl.default'], '5671');
    const dir = `${mountOf('rabbitmq', 'secrets')}/rabbitmq`;
    assert.deepEqual([conf['ssl_options.cacertfile'], conf['ssl_options.certfile'], conf['ssl_options.keyfile']],
      [`${dir}/ca.crt`, `${dir}/rabbitmq.crt`, `${dir}/rabbitmq.key`]);
    // The official image runs the node as uid 999 (compose sets no user); the one-shot gives it the directory.
    assert.equal(svc('rabbitmq').user, undefined);
    assert.equal(secretOwners().rabbitmq, 999);
    assert.deepEqual(svc('rabbitmq').depends_on?.secrets, { condition: 'service_completed_successfully' });
    // Healthy (what the responder waits for) only with the TLS listener up.
    assert.match(svc('rabbitmq').healthcheck?.test.join(' ') ?? '', /check_port_listener 5671/);
    assert.equal(svc('responder').depends_on?.rabbitmq?.condition, 'service_healthy');
  });

  it('5671 stays inside the compose network; the host keeps the plain listener on 127.0.0.1:5672 (loopback)', () => {
    const ports = svc('rabbitmq').ports ?? [];
    assert.ok(ports.includes('127.0.0.1:5672:5672'));
    assert.ok(!ports.some((p) => p.endsWith(':5671')), 'not published');
    // No plain amqp:// left for the responder: compose-secrets.sh writes amqps:// to the TLS listener.
    const script = fs.readFileSync(path.join(ROOT, 'scripts', 'compose-secrets.sh'), 'utf8');
    assert.doesNotMatch(script, /amqp:\/\//);
    assert.match(script, /'amqps:\/\/%s:%s@rabbitmq:5671\\n'/);
  });
});

describe('collector/docker-compose.yml: the alerting loop (static wiring)', () => {
  const ALERTING = ['collector', 'prometheus', 'alertmanager', 'responder'];

  it('the collector runs config.yaml, config.secure.yaml, config.elasticsearch.yaml and config.prometheus.yaml, each mounted from the repository', () => {
    const files = ['config.yaml', 'config.secure.yaml', 'config.elasticsearch.yaml', 'config.prometheus.yaml'];
    assert.deepEqual(svc('collector').command, files.map((f) => `--config=/etc/filament/${f}`));
    for (const f of files) assert.ok(svc('collector').volumes?.includes(`./${f}:/etc/filament/${f}:ro`), f);
  });

  it("every authenticator a component names is an extension the merged configuration defines and starts (compose's files, and each store overlay after config.secure.yaml)", () => {
    // The collector merges --config files as confmap does: maps key by key, lists and scalars replaced.
    const merge = (a: unknown, b: unknown): unknown => {
      if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) || Array.isArray(b)) return b;
      const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
      for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? merge(out[k], v) : v;
      return out;
    };
    const authenticators = (node: unknown, found: string[] = []): string[] => {
      if (node === null || typeof node !== 'object') return found;
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if (k === 'authenticator' && typeof v === 'string') found.push(v); else authenticators(v, found);
      }
      return found;
    };
    const compose = (svc('collector').command ?? []).map((c) => c.replace('--config=/etc/filament/', ''));
    for (const files of [compose, ['config.yaml', 'config.secure.yaml', 'config.opensearch.yaml'], ['config.yaml', 'config.secure.yaml', 'config.elasticsearch.yaml']]) {
      const cfg = files.map(readCollectorYaml).reduce<unknown>(merge, {}) as { extensions: Record<string, unknown>; service: { extensions: string[] }; receivers: unknown; exporters: unknown };
      const named = authenticators({ receivers: cfg.receivers, exporters: cfg.exporters });
      assert.ok(named.includes('bearertokenauth/otlp'), `${files.join(' + ')}: the OTLP receivers authenticate`);
      for (const a of named) {
        assert.ok(a in cfg.extensions, `${files.join(' + ')}: ${a} is defined`);
        assert.ok(cfg.service.extensions.includes(a), `${files.join(' + ')}: ${a} is in service.extensions (${cfg.service.extensions.join(', ')})`);
      }
      for (const e of cfg.service.extensions) assert.ok(e in cfg.extensions, `${files.join(' + ')}: ${e} is defined`);
    }
  });

  it('pins the official Prometheus 2.42 and Alertmanager 0.25 images, each behind --web.config.file, external URLs from the environment', () => {
    assert.equal(svc('prometheus').image, 'prom/prometheus:v2.42.0');
    assert.equal(svc('alertmanager').image, 'prom/alertmanager:v0.25.0');
    for (const name of ['prometheus', 'alertmanager']) {
      assert.match(flag(name, 'web.config.file') ?? '', new RegExp(`^${mountOf(name, 'secrets')}/${name}/web\\.yml$`), name);
      assert.match(flag(name, 'web.external-url') ?? '', /^\$\{FILAMENT_(PROMETHEUS|ALERTMANAGER)_EXTERNAL_URL:-https:\/\/127\.0\.0\.1:\d+\}$/, name);
      assert.match(flag(name, 'config.file') ?? '', new RegExp(`^${mountOf(name, 'secrets')}/${name}/`), name);
    }
    // No --web.enable-lifecycle: /-/reload and /-/quit stay off.
    assert.ok(!svc('prometheus').command?.some((c) => c.startsWith('--web.enable-lifecycle')));
    assert.ok(svc('prometheus').command?.includes('--web.enable-remote-write-receiver'));
    assert.equal(mountOf('prometheus', '../alerting/rules'), '/etc/prometheus/rules');
  });

  it('every secret of a service comes from a file or a variable, never inline; every published port is on 127.0.0.1, the responder none', () => {
    const secretish = /(PASSWORD|PASS|TOKEN|AUTHORIZATION|SECRET|CREDENTIALS?|KEY)$/;
    for (const [name, s] of Object.entries(compose.services)) {
      for (const e of s.environment ?? []) {
        const [k, v] = [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)];
        if (!secretish.test(k)) continue;
        const fromVar = varOf(v) !== undefined;
        const fromFile = /^\$\$\{file:\/run\/filament\/[a-z]+\/[a-z.]+\}$/.test(v);
        // A path to a file in the service's own secrets directory (Kibana's SERVER_SSL_KEY): a file, not the secret.
        const ownFile = mountOf(name, 'secrets') !== undefined && v.startsWith(`${mountOf(name, 'secrets')}/${name}/`) && /^[/a-z.-]+$/.test(v);
        assert.ok(fromVar || fromFile || ownFile, `${name}: ${k} is inline`);
      }
      for (const c of s.command ?? []) assert.doesNotMatch(c, /(password|token|secret)=[^$/]/i, `${name}: ${c}`);
    }
    for (const name of ['collector', 'prometheus', 'alertmanager']) assert.ok(svc(name).ports?.length, `${name} published`);
    for (const name of ALERTING) for (const p of svc(name).ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} ${p}`);
    assert.equal(svc('responder').ports, undefined, 'only Alertmanager calls the responder');
  });

  it('the collector: receivers with TLS and the token file, remote write to the prometheus service over https with its CA and the header from a file', () => {
    const e = env('collector');
    const dir = `${mountOf('collector', 'secrets')}/collector`;
    assert.equal(mountOf('collector', 'secrets'), env('secrets').FILAMENT_SECRETS_DIR);
    assert.equal(e.FILAMENT_COLLECTOR_TLS_CERT_FILE, `${dir}/collector.crt`);
    assert.equal(e.FILAMENT_COLLECTOR_TLS_KEY_FILE, `${dir}/collector.key`);
    assert.equal(e.FILAMENT_COLLECTOR_TOKEN_FILE, `${dir}/otlp.token`);
    assert.equal(e.FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE, `${dir}/elasticsearch-hop.token`);
    assert.equal(e.FILAMENT_PROMETHEUS_CA_FILE, `${dir}/ca.crt`);
    const url = new URL(e.FILAMENT_PROMETHEUS_REMOTE_WRITE_URL as string);
    assert.equal(url.protocol, 'https:');
    assert.equal(`${url.hostname}:${url.port}`, `prometheus:${/:(\d+)$/.exec(flag('prometheus', 'web.listen-address') ?? '')?.[1]}`);
    assert.equal(e.FILAMENT_PROMETHEUS_REMOTE_WRITE_AUTHORIZATION, `$\${file:${dir}/prometheus.authorization}`);
    assert.deepEqual(svc('collector').depends_on?.secrets, { condition: 'service_completed_successfully' });
  });

  it('the responder runs the built dist/responder.js as its own user, after the secrets, the build, RabbitMQ and Alertmanager', () => {
    const r = svc('responder');
    const build = mountOf('responder', 'filament-build');
    assert.equal(mountOf('responder-build', 'filament-build'), svc('responder-build').command?.at(-1));
    assert.ok(r.volumes?.includes(`filament-build:${build}:ro`));
    assert.deepEqual(r.command, ['node', `${build}/dist/responder.js`, '--config', `${mountOf('responder', 'secrets')}/responder/responder.json`]);
    assert.deepEqual(Object.keys(r.depends_on ?? {}).sort(), ['alertmanager', 'rabbitmq', 'responder-build', 'secrets']);
    const uids = ALERTING.map(uidOf);
    assert.equal(new Set(uids).size, 4, `one user per service: ${uids.join(', ')}`);
    for (const u of uids) assert.ok(u >= 10000, `${u}: not root, not a user of the image`);
    // RabbitMQ: the account the responder's URL names, its password from the environment.
    assert.equal(env('rabbitmq').RABBITMQ_DEFAULT_USER, env('secrets').RABBITMQ_USER);
    assert.equal(varOf(env('rabbitmq').RABBITMQ_DEFAULT_PASS), varOf(env('secrets').RABBITMQ_PASSWORD));
  });

  it('the store watcher runs `filament verify --watch` from the responder\'s build, as its own user, over TLS with a token file, as elastic, after setup', () => {
    const w = svc('verify-watch');
    const build = mountOf('verify-watch', 'filament-build');
    assert.equal(build, mountOf('responder', 'filament-build'));
    assert.ok(w.volumes?.includes(`filament-build:${build}:ro`));
    const cmd = w.command ?? [];
    assert.deepEqual(cmd.slice(0, 3), ['node', `${build}/dist/cli.js`, 'verify']);
    const arg = (f: string) => cmd[cmd.indexOf(f) + 1];
    assert.ok(cmd.includes('--watch'));
    assert.equal(arg('--engine'), 'elasticsearch');
    assert.equal(arg('--url'), env('setup').ELASTICSEARCH_URL);
    assert.equal(arg('--skip'), env('setup').FILAMENT_SETUP_SKIP, 'the same steps skipped as setup');
    const dir = `${mountOf('verify-watch', 'secrets')}/verify-watch`;
    assert.equal(arg('--tls-cert'), `${dir}/verify-watch.crt`);
    assert.equal(arg('--tls-key'), `${dir}/verify-watch.key`);
    assert.match(arg('--listen') ?? '', /^0\.0\.0\.0:\d+$/);
    const e = env('verify-watch');
    assert.equal(e.FILAMENT_VERIFY_METRICS_TOKEN_FILE, `${dir}/metrics.token`);
    assert.equal(e.FILAMENT_SETUP_USERNAME, env('setup').FILAMENT_SETUP_USERNAME);
    assert.equal(varOf(e.FILAMENT_SETUP_PASSWORD), varOf(env('setup').FILAMENT_SETUP_PASSWORD));
    assert.equal(w.ports, undefined, 'only Prometheus scrapes it');
    assert.deepEqual(w.depends_on, {
      secrets: { condition: 'service_completed_successfully' },
      'responder-build': { condition: 'service_completed_successfully' },
      setup: { condition: 'service_completed_successfully' },
    });
    const uid = uidOf('verify-watch');
    assert.ok(uid >= 10000 && !ALERTING.map(uidOf).includes(uid), `${uid}: a user of its own`);
  });

  describe('the one-shot secrets script, run here (openssl, htpasswd) with the Debian Prometheus and Alertmanager', function () {
    this.timeout(120_000);
    let dir = '';
    let secrets = '';
    let host = '';
    const asRoot = process.getuid?.() === 0;
    const read = (...p: string[]): string => fs.readFileSync(path.join(secrets, ...p), 'utf8');
    const yamlOf = (...p: string[]): Record<string, unknown> => parse(read(...p)) as Record<string, unknown>;
    const run = (extra: Record<string, string> = {}) => spawnSync('bash', [path.join(ROOT, 'scripts', 'compose-secrets.sh')], {
      encoding: 'utf8',
      env: {
        ...process.env, FILAMENT_SECRETS_DIR: secrets, FILAMENT_HOST_SECRETS_DIR: host, FILAMENT_HOST_UID: String(process.getuid?.() ?? 1000),
        FILAMENT_HOST_GID: String(process.getgid?.() ?? 1000), RABBITMQ_USER: 'filament', RABBITMQ_PASSWORD: 'Rabbit0Password0Of0Compose0Test0',
        FILAMENT_RUNBOOK_BASE: 'https://wiki.example.com/filament/docs', ...extra,
      },
    });

    before(function () {
      if (spawnSync('bash', ['-c', 'command -v promtool && command -v amtool && command -v htpasswd && command -v openssl']).status !== 0) this.skip();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-secrets-'));
      secrets = path.join(dir, 'run');
      host = path.join(dir, 'host');
      const r = run();
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /Rabbit0Password|\$2y\$/, 'no secret on the output');
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    it("each service's directory is 0700 and owned by the user its compose service runs as; every file 0600; the host's copies 0600", () => {
      for (const name of ALERTING) {
        const st = fs.statSync(path.join(secrets, name));
        assert.equal(st.mode & 0o777, 0o700, name);
        if (asRoot) assert.equal(st.uid, uidOf(name), `${name} owned by ${uidOf(name)}`);
        for (const f of fs.readdirSync(path.join(secrets, name))) {
          const fst = fs.statSync(path.join(secrets, name, f));
          assert.equal(fst.mode & 0o777, 0o600, `${name}/${f}`);
          if (asRoot) assert.equal(fst.uid, uidOf(name), `${name}/${f}`);
        }
      }
      assert.equal(fs.statSync(host).mode & 0o777, 0o700);
      assert.deepEqual(fs.readdirSync(host).sort(), ['alertmanager.credentials', 'ca.crt', 'otlp.headers', 'otlp.token', 'prometheus.credentials']);
      for (const f of fs.readdirSync(host)) assert.equal(fs.statSync(path.join(host, f)).mode & 0o777, 0o600, f);
      // The CA key stays with the one-shot (root's work directory), in no service's directory.
      for (const name of ALERTING) assert.ok(!fs.existsSync(path.join(secrets, name, 'ca.key')), name);
      assert.equal(fs.statSync(path.join(secrets, '.work')).mode & 0o777, 0o700);
    });

    it('promtool check web-config and amtool check-config accept what it wrote; promtool check config too', () => {
      execFileSync('promtool', ['check', 'web-config', path.join(secrets, 'prometheus', 'web.yml'), path.join(secrets, 'alertmanager', 'web.yml')]);
      execFileSync('amtool', ['check-config', path.join(secrets, 'alertmanager', 'alertmanager.yml')]);
      execFileSync('promtool', ['check', 'config', '--syntax-only', path.join(secrets, 'prometheus', 'prometheus.yml')]);
    });

    it("each client's password matches its server's bcrypt hash (htpasswd -v); one user per client", () => {
      const users = (svcName: string): string => {
        const file = path.join(dir, `${svcName}.htpasswd`);
        const u = (yamlOf(svcName, 'web.yml').basic_auth_users ?? {}) as Record<string, string>;
        fs.writeFileSync(file, Object.entries(u).map(([k, v]) => `${k}:${v}\n`).join(''), { mode: 0o600 });
        return file;
      };
      const verify = (server: string, user: string, password: string): number | null =>
        spawnSync('htpasswd', ['-v', '-i', users(server), user], { input: password }).status;
      const prom = yamlOf('prometheus', 'prometheus.yml') as { alerting: { alertmanagers: { basic_auth: { username: string; password_file: string } }[] } };
      const am = prom.alerting.alertmanagers[0]!.basic_auth;
      const pairs: [string, string, string][] = [
        ['alertmanager', am.username, fs.readFileSync(am.password_file, 'utf8').trim()],
        ['alertmanager', ...(read('responder', 'alertmanager.credentials').trim().split(':') as [string, string])],
        ['alertmanager', ...(fs.readFileSync(path.join(host, 'alertmanager.credentials'), 'utf8').trim().split(':') as [string, string])],
        ['prometheus', ...(fs.readFileSync(path.join(host, 'prometheus.credentials'), 'utf8').trim().split(':') as [string, string])],
        ['prometheus', ...(Buffer.from(read('collector', 'prometheus.authorization').replace(/^Basic /, ''), 'base64').toString().split(':') as [string, string])],
      ];
      for (const [server, user, password] of pairs) assert.equal(verify(server, user, password), 0, `${user} at ${server}`);
      assert.equal(verify('prometheus', 'collector', 'wrong'), 3, 'a wrong password is refused');
      assert.deepEqual(pairs.map(([s, u]) => `${s}:${u}`).sort(), ['alertmanager:filament', 'alertmanager:prometheus', 'alertmanager:responder', 'prometheus:collector', 'prometheus:filament']);
      // The header file has no newline: the collector sends its content as is.
      assert.doesNotMatch(read('collector', 'prometheus.authorization'), /\n/);
    });

    it("Alertmanager's webhook: https://responder:<its port>/alerts with authorization (the responder's token) and tls_config (the CA)", () => {
      const am = yamlOf('alertmanager', 'alertmanager.yml') as { receivers: { name: string; webhook_configs?: { url: string; http_config?: { authorization?: { type: string; credentials_file: string }; tls_config?: { ca_file: string } } }[] }[] };
      const hooks = am.receivers.flatMap((r) => r.webhook_configs ?? []);
      assert.equal(hooks.length, 1);
      const hook = hooks[0]!;
      const responder = JSON.parse(read('responder', 'responder.json')) as { listen: string };
      assert.equal(hook.url, `https://responder:${responder.listen.split(':')[1]}/alerts`);
      assert.equal(hook.http_config?.authorization?.type, 'Bearer');
      assert.equal(fs.readFileSync(hook.http_config?.authorization?.credentials_file as string, 'utf8'), read('responder', 'webhook.token'));
      assert.equal(fs.readFileSync(hook.http_config?.tls_config?.ca_file as string, 'utf8'), fs.readFileSync(path.join(host, 'ca.crt'), 'utf8'));
      // The responder's certificate names the host Alertmanager calls.
      const san = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', path.join(secrets, 'responder', 'responder.crt')], { encoding: 'utf8' });
      assert.match(san, /DNS:responder\b/);
      execFileSync('openssl', ['verify', '-CAfile', path.join(host, 'ca.crt'), path.join(secrets, 'responder', 'responder.crt')]);
    });

    it('Prometheus scrapes the store watcher: job filament-verify at the service and --listen port of the compose file, https with the CA, the token the watcher checks', () => {
      const w = svc('verify-watch').command ?? [];
      const port = /:(\d+)$/.exec(w[w.indexOf('--listen') + 1] ?? '')?.[1];
      const prom = yamlOf('prometheus', 'prometheus.yml') as { scrape_configs: Array<{ job_name: string; scheme?: string; tls_config?: { ca_file: string }; authorization?: { type?: string; credentials_file: string }; static_configs: Array<{ targets: string[] }> }> };
      const job = prom.scrape_configs.find((j) => j.job_name === 'filament-verify');
      assert.ok(job, JSON.stringify(prom.scrape_configs.map((j) => j.job_name)));
      assert.deepEqual(job.static_configs.flatMap((c) => c.targets), [`verify-watch:${port}`]);
      assert.equal(job.scheme, 'https');
      assert.equal(job.authorization?.type ?? 'Bearer', 'Bearer');
      const watcherToken = path.join(secrets, 'verify-watch', path.basename(env('verify-watch').FILAMENT_VERIFY_METRICS_TOKEN_FILE as string));
      assert.equal(fs.readFileSync(job.authorization?.credentials_file as string, 'utf8'), fs.readFileSync(watcherToken, 'utf8'));
      assert.equal(fs.readFileSync(job.tls_config?.ca_file as string, 'utf8'), fs.readFileSync(path.join(host, 'ca.crt'), 'utf8'));
      // Its certificate names the host Prometheus scrapes, signed by that CA; its directory is its user's alone.
      const crt = path.join(secrets, 'verify-watch', path.basename(w[w.indexOf('--tls-cert') + 1] ?? ''));
      assert.match(execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', crt], { encoding: 'utf8' }), /DNS:verify-watch\b/);
      execFileSync('openssl', ['verify', '-CAfile', path.join(host, 'ca.crt'), crt]);
      assert.equal(fs.statSync(path.join(secrets, 'verify-watch')).mode & 0o777, 0o700);
      for (const f of fs.readdirSync(path.join(secrets, 'verify-watch'))) {
        assert.equal(fs.statSync(path.join(secrets, 'verify-watch', f)).mode & 0o777, 0o600, f);
        if (asRoot) assert.equal(fs.statSync(path.join(secrets, 'verify-watch', f)).uid, uidOf('verify-watch'), f);
      }
      assert.ok(!fs.existsSync(path.join(secrets, 'verify-watch', 'ca.key')));
    });

    it("Elasticsearch's and Kibana's certificates: their service name, localhost and 127.0.0.1, signed by the host's CA; 0600 files in 0700 directories; the setup one-shots get the CA alone", () => {
      const hostCa = path.join(host, 'ca.crt');
      const owners = secretOwners();
      for (const name of ['elasticsearch', 'kibana']) {
        const d = path.join(secrets, name);
        const crt = path.join(d, `${name}.crt`);
        const san = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', crt], { encoding: 'utf8' });
        const names = san.split('\n').slice(1).join(',').split(',').map((n) => n.trim()).filter((n) => n !== '');
        assert.deepEqual(names.sort(), [`DNS:${name}`, 'DNS:localhost', 'IP Address:127.0.0.1'].sort(), name);
        // What a client checks: the chain to the host's CA and the name it dials (compose network, published port).
        for (const check of [['-verify_hostname', name], ['-verify_hostname', 'localhost'], ['-verify_ip', '127.0.0.1']]) {
          execFileSync('openssl', ['verify', '-CAfile', hostCa, ...check, crt]);
        }
        const wrong = spawnSync('openssl', ['verify', '-CAfile', hostCa, '-verify_hostname', 'prometheus', crt], { encoding: 'utf8' });
        assert.notEqual(wrong.status, 0, `${name}: not valid for another service's name`);
        // The key is the certificate's.
        const pub = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
        assert.equal(pub(['pkey', '-pubout', '-in', path.join(d, `${name}.key`)]), pub(['x509', '-noout', '-pubkey', '-in', crt]), name);
        assert.equal(fs.readFileSync(path.join(d, 'ca.crt'), 'utf8'), fs.readFileSync(hostCa, 'utf8'), name);
        assert.deepEqual(fs.readdirSync(d).sort(), ['ca.crt', `${name}.crt`, `${name}.key`], name);
      }
      assert.deepEqual(fs.readdirSync(path.join(secrets, 'setup')), ['ca.crt']);
      assert.equal(fs.readFileSync(path.join(secrets, 'setup', 'ca.crt'), 'utf8'), fs.readFileSync(hostCa, 'utf8'));
      for (const name of ['elasticsearch', 'kibana', 'setup']) {
        const d = path.join(secrets, name);
        assert.equal(fs.statSync(d).mode & 0o777, 0o700, name);
        if (asRoot) assert.equal(fs.statSync(d).uid, owners[name], name);
        for (const f of fs.readdirSync(d)) {
          assert.equal(fs.statSync(path.join(d, f)).mode & 0o777, 0o600, `${name}/${f}`);
          if (asRoot) assert.equal(fs.statSync(path.join(d, f)).uid, owners[name], `${name}/${f}`);
        }
      }
      // The host's ca.crt is what the operators' curl --cacert and browsers trust: the same CA.
      execFileSync('openssl', ['verify', '-CAfile', hostCa, path.join(secrets, 'collector', 'collector.crt')]);
    });

    it("RabbitMQ's certificate: DNS:rabbitmq, DNS:localhost, IP:127.0.0.1, signed by the host's CA (openssl verify); 0600 files in a 0700 directory of uid 999", () => {
      const hostCa = path.join(host, 'ca.crt');
      const d = path.join(secrets, 'rabbitmq');
      const crt = path.join(d, 'rabbitmq.crt');
      const san = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', crt], { encoding: 'utf8' });
      const names = san.split('\n').slice(1).join(',').split(',').map((n) => n.trim()).filter((n) => n !== '');
      assert.deepEqual(names.sort(), ['DNS:localhost', 'DNS:rabbitmq', 'IP Address:127.0.0.1']);
      for (const check of [['-verify_hostname', 'rabbitmq'], ['-verify_hostname', 'localhost'], ['-verify_ip', '127.0.0.1']]) {
        execFileSync('openssl', ['verify', '-CAfile', hostCa, ...check, crt]);
      }
      assert.notEqual(spawnSync('openssl', ['verify', '-CAfile', hostCa, '-verify_hostname', 'responder', crt]).status, 0, 'not valid for another name');
      const pub = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
      assert.equal(pub(['pkey', '-pubout', '-in', path.join(d, 'rabbitmq.key')]), pub(['x509', '-noout', '-pubkey', '-in', crt]));
      assert.deepEqual(fs.readdirSync(d).sort(), ['ca.crt', 'rabbitmq.crt', 'rabbitmq.key']);
      assert.equal(fs.statSync(d).mode & 0o777, 0o700);
      if (asRoot) assert.equal(fs.statSync(d).uid, 999);
      for (const f of fs.readdirSync(d)) {
        assert.equal(fs.statSync(path.join(d, f)).mode & 0o777, 0o600, f);
        if (asRoot) assert.equal(fs.statSync(path.join(d, f)).uid, 999, f);
      }
      // The responder's CA (amqpCaFile) is the one that signed it.
      execFileSync('openssl', ['verify', '-CAfile', path.join(secrets, 'responder', 'ca.crt'), '-verify_hostname', 'rabbitmq', crt]);
    });

    it('secrets made before RabbitMQ had its TLS listener are made anew once', () => {
      fs.rmSync(path.join(secrets, '.work', 'rabbitmq.crt'));
      fs.rmSync(path.join(secrets, 'rabbitmq'), { recursive: true });
      assert.equal(run().status, 0);
      execFileSync('openssl', ['verify', '-CAfile', path.join(host, 'ca.crt'), '-verify_hostname', 'rabbitmq', path.join(secrets, 'rabbitmq', 'rabbitmq.crt')]);
    });

    it("the responder's configuration loads with the real loader: tls, tokenFile, Alertmanager's URL and credentials, the broker URL from its 0600 file", async () => {
      const { loadResponderConfig } = await import(path.join(ROOT, 'dist', 'responder', 'config.js')) as typeof import('../src/responder/config');
      const raw = JSON.parse(read('responder', 'responder.json')) as Record<string, unknown>;
      assert.deepEqual(Object.keys(raw).filter((k) => /tls|tokenFile|alertmanager|amqpUrlFile/.test(k)).sort(), ['alertmanager', 'amqpUrlFile', 'tls', 'tokenFile']);
      assert.equal(raw.amqpUrl, undefined, 'no broker URL in the configuration');
      const c = loadResponderConfig(path.join(secrets, 'responder', 'responder.json'), {});
      assert.ok(c.tls);
      assert.equal(c.token, read('responder', 'webhook.token').trim());
      assert.equal(c.alertmanager?.url, `https://alertmanager:${/:(\d+)$/.exec(flag('alertmanager', 'web.listen-address') ?? '')?.[1]}`);
      assert.match(c.alertmanager?.basicAuth ?? '', /^responder:/);
      // amqps:// to RabbitMQ's TLS listener, verified with the stack's CA (plain amqp:// beyond loopback is refused).
      assert.equal(c.amqpUrl, `amqps://filament:Rabbit0Password0Of0Compose0Test0@rabbitmq:${rabbitmqTls()['listeners.ssl.default']}`);
      assert.equal(c.amqpCa, fs.readFileSync(path.join(host, 'ca.crt'), 'utf8'));
      // Its own directory's copy (the one-shot writes paths under FILAMENT_SECRETS_DIR, the volume's mount in compose).
      assert.equal(raw.amqpCaFile, path.join(secrets, 'responder', 'ca.crt'));
      assert.equal(c.listen, '0.0.0.0:9787');
      assert.deepEqual(c.runbooks.map((r) => r.action), ['redrive'], 'no MES URL: re-drive only');
      const withMes = run({ FILAMENT_MES_ADMIN_URL: 'https://mes.internal:8443' });
      assert.equal(withMes.status, 0, withMes.stderr);
      assert.deepEqual(loadResponderConfig(path.join(secrets, 'responder', 'responder.json'), {}).runbooks.map((r) => r.action), ['redrive', 'http-toggle', 'http-toggle']);
    });

    it("Prometheus's configuration: runbook_base from FILAMENT_RUNBOOK_BASE (kept out of alert labels), Alertmanager over https with the CA", () => {
      const prom = yamlOf('prometheus', 'prometheus.yml') as { global: { external_labels: Record<string, string> }; alerting: { alertmanagers: { scheme: string; tls_config: { ca_file: string }; static_configs: { targets: string[] }[] }[]; alert_relabel_configs: unknown[] } };
      assert.deepEqual(prom.global.external_labels, { runbook_base: 'https://wiki.example.com/filament/docs' });
      assert.deepEqual(prom.alerting.alert_relabel_configs, [{ action: 'labeldrop', regex: 'runbook_base' }]);
      const am = prom.alerting.alertmanagers[0]!;
      assert.equal(am.scheme, 'https');
      assert.deepEqual(am.static_configs[0]?.targets, [`alertmanager:${/:(\d+)$/.exec(flag('alertmanager', 'web.listen-address') ?? '')?.[1]}`]);
      assert.equal(fs.readFileSync(am.tls_config.ca_file, 'utf8'), fs.readFileSync(path.join(host, 'ca.crt'), 'utf8'));
      // make up's default: this checkout's docs, which hold the sections the links name.
      const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'compose-env.sh')], { encoding: 'utf8' });
      assert.equal(/^FILAMENT_RUNBOOK_BASE=(.*)$/m.exec(out)?.[1], `file://${ROOT}/docs`);
      const bad = run({ FILAMENT_RUNBOOK_BASE: "https://x/'y" });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /FILAMENT_RUNBOOK_BASE=.* is not an http\(s\) or file URL/);
    });

    it('a second run keeps the secrets; FILAMENT_ROTATE=1 makes new ones', () => {
      const token = read('responder', 'webhook.token');
      assert.equal(run().status, 0);
      assert.equal(read('responder', 'webhook.token'), token);
      assert.equal(run({ FILAMENT_ROTATE: '1' }).status, 0);
      assert.notEqual(read('responder', 'webhook.token'), token);
      // The collector's hop token: its own, made with the others, known to no other service.
      assert.match(read('collector', 'elasticsearch-hop.token'), /^[0-9a-f]{48}\n$/);
      assert.notEqual(read('collector', 'elasticsearch-hop.token'), read('collector', 'otlp.token'));
      for (const name of ALERTING.filter((n) => n !== 'collector')) assert.ok(!fs.existsSync(path.join(secrets, name, 'elasticsearch-hop.token')), name);
      assert.equal(read('alertmanager', 'responder.token'), read('responder', 'webhook.token'));
      // Secrets made before the hop had a token are made anew once (else the collector would not start).
      fs.rmSync(path.join(secrets, '.work', 'elasticsearch-hop.token'));
      fs.rmSync(path.join(secrets, 'collector', 'elasticsearch-hop.token'));
      assert.equal(run().status, 0);
      assert.match(read('collector', 'elasticsearch-hop.token'), /^[0-9a-f]{48}\n$/);
    });

    it('secrets made before Elasticsearch and Kibana had certificates are made anew once', () => {
      fs.rmSync(path.join(secrets, '.work', 'elasticsearch.crt'));
      fs.rmSync(path.join(secrets, '.work', 'kibana.crt'));
      for (const name of ['elasticsearch', 'kibana', 'setup']) fs.rmSync(path.join(secrets, name), { recursive: true });
      assert.equal(run().status, 0);
      for (const name of ['elasticsearch', 'kibana']) {
        execFileSync('openssl', ['verify', '-CAfile', path.join(host, 'ca.crt'), '-verify_hostname', name, path.join(secrets, name, `${name}.crt`)]);
      }
      assert.ok(fs.existsSync(path.join(secrets, 'setup', 'ca.crt')));
      // Kept on the next run: 'a second run keeps the secrets' above.
    });

    it("the collector (our build: config.yaml + config.secure.yaml + config.prometheus.yaml with the compose environment) resolves the remote-write header from its file", function () {
      let bin: string;
      try { bin = collectorBinary(); } catch { this.skip(); }
      const e = Object.fromEntries(Object.entries(env('collector')).map(([k, v]) => [k,
        v.replaceAll(`${mountOf('collector', 'secrets')}/`, `${secrets}/`).replace(/^\$\$/, '$')]));
      for (const k of Object.keys(e)) if (varOf(e[k]) !== undefined) delete e[k];
      const cfg = (f: string) => path.join(ROOT, 'collector', f);
      const r = spawnSync(bin, ['print-config', '--mode', 'unredacted', '--config', cfg('config.yaml'), '--config', cfg('config.secure.yaml'), '--config', cfg('config.prometheus.yaml')], {
        encoding: 'utf8', env: { ...process.env, ...e, FILAMENT_COLLECTOR_STORAGE_DIR: path.join(dir, 'storage'), FILAMENT_COLLECTOR_ARCHIVE_DIR: path.join(dir, 'archive') },
      });
      assert.equal(r.status, 0, r.stderr);
      // The exporter's HTTP client settings as the collector resolved them (print-config nests them under `http`).
      const printed = parse(r.stdout) as { exporters: Record<string, { http?: { endpoint: string; headers: { name: string; value: string }[] } }> };
      const http = printed.exporters.prometheus_remote_write?.http;
      assert.equal(http?.headers.find((h) => h.name === 'Authorization')?.value, read('collector', 'prometheus.authorization'));
      assert.equal(http?.endpoint, env('collector').FILAMENT_PROMETHEUS_REMOTE_WRITE_URL);
    });
  });
});
