/**
 * `filament setup` flags and environment. Secrets come from the environment (flags would show in
 * `ps`); flags exist for them too, for one-off use. Validation happens before anything is sent.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isLoopback } from '../loopback';
import { RETENTION_DEFAULT_DAYS, RETENTION_MAX_DAYS } from './contract';
import { SetupError } from './errors';

export type Engine = 'elasticsearch' | 'opensearch';
export const STEPS = ['mappings', 'retention', 'security', 'audit', 'dashboards'] as const;
export type Step = (typeof STEPS)[number];

export interface SetupOptions {
  engine: Engine;
  url: string;
  username: string;
  password: string;
  writerPassword: string | undefined;
  supportPassword: string | undefined;
  retentionDays: number;
  auditRetentionDays: number;
  dashboardsUrl: string | undefined;
  /** PEM of the CA that signed the engine's (and the dashboards') HTTPS certificate. */
  caCert: string | undefined;
  skip: ReadonlySet<Step>;
  dryRun: boolean;
  /**
   * Users allowed to read and change everything, by name (verify names them and exempts them from
   * rules (a), (b) and (d), never from (c)): the administrator the run logs in as, plus --admins.
   */
  admins: string[];
}

export const SETUP_USAGE = `usage: filament setup --engine elasticsearch|opensearch --url URL [options]

Provisions retention, event mappings, the support and filament_writer roles and users, the audit
trail and the dashboards on Elasticsearch or OpenSearch. Idempotent: a second run changes nothing.

  --engine E               elasticsearch | opensearch                       (FILAMENT_SETUP_ENGINE)
  --url URL                the engine's HTTP(S) address                      (FILAMENT_SETUP_URL)
  --username U             administrator                                     (FILAMENT_SETUP_USERNAME)
  --password P             its password                                      (FILAMENT_SETUP_PASSWORD)
  --writer-password P      password of user filament_writer                  (FILAMENT_WRITER_PASSWORD)
  --support-password P     password of user support                          (FILAMENT_SUPPORT_PASSWORD)
  --retention-days N       delete log/trace/metric data after N days (1-${RETENTION_MAX_DAYS}, default ${RETENTION_DEFAULT_DAYS})
  --audit-retention-days N delete audit records after N days (1-${RETENTION_MAX_DAYS}, default ${RETENTION_DEFAULT_DAYS}; OpenSearch)
  --dashboards-url URL     Kibana / OpenSearch Dashboards: import the dashboards (FILAMENT_DASHBOARDS_URL)
  --ca-cert FILE           CA certificate (PEM) for HTTPS                    (FILAMENT_SETUP_CA_CERT)
  --skip STEPS             comma-separated: ${STEPS.join(', ')}
  --admins NAMES           other administrators verify accepts, comma-separated (FILAMENT_ADMINS)
  --dry-run                report what would change, change nothing

Ends with \`filament verify\` (filament verify --help).

Exit status: 0 done (or nothing to do), 1 nothing applied (a check failed first), 2 stopped part-way,
3 done but the ADR's rules do not hold (verify's violations are listed).`;

function days(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value.trim())) throw new SetupError(`${flag} must be a whole number of days, got "${value}"`);
  const n = Number(value);
  if (n < 1) throw new SetupError(`${flag} must be at least 1 day, got ${n}`);
  if (n > RETENTION_MAX_DAYS) {
    throw new SetupError(`${flag} ${n} is above ${RETENTION_MAX_DAYS}: the logging ADR keeps logs at most 6 months`);
  }
  return n;
}

/**
 * TLS silently ignores a CA it cannot parse (and then fails with an unrelated verification error):
 * a file that is not a PEM certificate is refused here, naming the file.
 */
function checkPemCertificate(file: string, text: string): void {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) throw new SetupError(`--ca-cert ${file} is not a PEM certificate (no -----BEGIN CERTIFICATE----- block); convert a DER file with: openssl x509 -inform der -in ${file} -out ca.pem`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new SetupError(`--ca-cert ${file}: a certificate in it cannot be parsed (${(error as Error).message})`);
    }
  }
}

function httpUrl(value: string | undefined, what: string): string {
  if (!value) throw new SetupError(`${what} is missing`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new SetupError(`${what} "${value}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SetupError(`${what} "${value}" is not http(s)`);
  if (parsed.username || parsed.password) throw new SetupError(`${what} must not carry credentials; use --username/--password or the environment`);
  // Every request carries the administrator's password (basic auth): in clear text only where no
  // network is crossed (docs/security.md, "filament setup / verify → the store").
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    throw new SetupError(`${what} ${parsed.origin} is plain HTTP beyond this machine: the administrator's password would cross the network in clear text; use https:// (--ca-cert FILE for a private CA) — plain http:// is for loopback only (development)`);
  }
  return value.replace(/\/+$/, '');
}

/** `verify` takes the same flags and environment but needs no user passwords (it creates no users). */
export function parseSetupOptions(argv: string[], env: NodeJS.ProcessEnv, command: 'setup' | 'verify' = 'setup'): SetupOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        engine: { type: 'string' },
        url: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        'writer-password': { type: 'string' },
        'support-password': { type: 'string' },
        'retention-days': { type: 'string' },
        'audit-retention-days': { type: 'string' },
        'dashboards-url': { type: 'string' },
        'ca-cert': { type: 'string' },
        admins: { type: 'string' },
        skip: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new SetupError(`${(error as Error).message.split('\n')[0]} (filament ${command} --help)`);
  }
  if (values.help) return 'help';

  const engine = values.engine ?? env.FILAMENT_SETUP_ENGINE;
  if (engine !== 'elasticsearch' && engine !== 'opensearch') {
    throw new SetupError(`--engine must be elasticsearch or opensearch${engine ? `, got "${engine}"` : ''}`);
  }
  const url = httpUrl(values.url ?? env.FILAMENT_SETUP_URL, '--url');
  const username = values.username ?? env.FILAMENT_SETUP_USERNAME;
  const password = values.password ?? env.FILAMENT_SETUP_PASSWORD;
  if (!username || !password) {
    throw new SetupError('administrator credentials missing: set FILAMENT_SETUP_USERNAME and FILAMENT_SETUP_PASSWORD (or --username/--password)');
  }
  const skip = new Set<Step>();
  for (const item of (values.skip ?? []).flatMap((s) => s.split(','))) {
    const step = item.trim();
    if (step === '') continue;
    if (!(STEPS as readonly string[]).includes(step)) throw new SetupError(`--skip: unknown step "${step}" (one of ${STEPS.join(', ')})`);
    skip.add(step as Step);
  }
  const writerPassword = values['writer-password'] ?? env.FILAMENT_WRITER_PASSWORD;
  const supportPassword = values['support-password'] ?? env.FILAMENT_SUPPORT_PASSWORD;
  if (command === 'setup' && !skip.has('security')) {
    const missing = [
      writerPassword ? '' : 'FILAMENT_WRITER_PASSWORD',
      supportPassword ? '' : 'FILAMENT_SUPPORT_PASSWORD',
    ].filter(Boolean);
    if (missing.length > 0) throw new SetupError(`user passwords missing: set ${missing.join(' and ')} (or --skip security)`);
  }
  const dashboardsRaw = values['dashboards-url'] ?? env.FILAMENT_DASHBOARDS_URL;
  const dashboardsUrl = dashboardsRaw ? httpUrl(dashboardsRaw, '--dashboards-url') : undefined;
  const caPath = values['ca-cert'] ?? env.FILAMENT_SETUP_CA_CERT;
  let caCert: string | undefined;
  if (caPath) {
    try {
      caCert = readFileSync(caPath, 'utf8');
    } catch (error) {
      throw new SetupError(`--ca-cert ${caPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    checkPemCertificate(caPath, caCert);
  }
  return {
    engine,
    url,
    username,
    password,
    writerPassword,
    supportPassword,
    retentionDays: days(values['retention-days'], '--retention-days', RETENTION_DEFAULT_DAYS),
    auditRetentionDays: days(values['audit-retention-days'], '--audit-retention-days', RETENTION_DEFAULT_DAYS),
    dashboardsUrl,
    caCert,
    skip,
    dryRun: values['dry-run'] ?? false,
    admins: [...new Set([username, ...(values.admins ?? env.FILAMENT_ADMINS ?? '').split(',').map((a) => a.trim()).filter(Boolean)])],
  };
}
