/**
 * collector/docker-compose.yml cannot run here (no Docker engine): its wiring
 * is checked statically instead — what docs/collector.md promises about users,
 * volumes, health checks and start order. scripts/compose-e2e.sh is the run
 * where Docker is.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './support/fixture';
import { readCollectorYaml } from './support/standin';

interface Service {
  image: string;
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
    assert.equal(e.ELASTICSEARCH_URL, 'http://elasticsearch:9200');
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
    assert.equal(env('setup-dashboards').FILAMENT_DASHBOARDS_URL, 'http://kibana:5601');
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

  it("stops the collector by a kill well before the exporter's retry deadline (a drained shutdown would lose the queue)", () => {
    const grace = /^(\d+)s$/.exec(svc('collector').stop_grace_period ?? '');
    const timeout = /^(\d+)m$/.exec(String(((readCollectorYaml('config.elasticsearch.yaml').exporters as Record<string, Record<string, unknown>>).elasticsearch)?.timeout));
    assert.ok(grace && timeout, 'both set');
    assert.ok(Number(grace[1]) < Number(timeout[1]) * 60);
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
});
