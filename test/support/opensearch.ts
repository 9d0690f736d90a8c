/**
 * A real OpenSearch 2.19.1 node with the security plugin and its audit log (scripts/opensearch.sh),
 * started at most once per mocha run: every test file that calls startOpenSearch() shares it, and
 * the root after-all hook below stops it. withOpenSearchWithoutSecurity() runs a second kind, briefly.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './collector';
import { ROOT } from './fixture';

export interface RunningOpenSearch {
  /** https://127.0.0.1:PORT (http:// for the node without the security plugin, whose TLS is off with it). */
  url: string;
  /**
   * The CA that signed the node's HTTPS certificate (scripts/opensearch.sh prints it as `ca=`): what
   * every client here passes — FILAMENT_SETUP_CA_CERT for the CLI, `ca` for asUser. Undefined over plain HTTP.
   */
  caFile: string | undefined;
  /** The internal `admin` user (all_access). */
  admin: { username: string; password: string };
  dir: string;
  /** Seconds from start to green, as measured by this run. */
  startSeconds: number;
}

const SCRIPT = path.join(ROOT, 'scripts', 'opensearch.sh');
let running: Promise<RunningOpenSearch> | undefined;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { env, cwd: ROOT, timeout: 15 * 60 * 1000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/opensearch.sh ${args[0]} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function launch(security: 'enabled' | 'disabled'): Promise<RunningOpenSearch> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-opensearch-'));
  // Strong enough for the security plugin's password rules, different every run.
  const password = `Adm-${randomBytes(9).toString('base64url')}-9a!`;
  const env = {
    ...process.env,
    OPENSEARCH_HTTP_PORT: String(await freePort()),
    OPENSEARCH_TRANSPORT_PORT: String(await freePort()),
    OPENSEARCH_ADMIN_PASSWORD: password,
    OPENSEARCH_SECURITY: security,
  };
  await run(['install'], env); // downloads on a fresh machine: not part of the start-up time
  const started = Date.now();
  const out = await run(['start', dir], env);
  const url = /^url=(\S+)$/m.exec(out)?.[1];
  if (!url) throw new Error(`scripts/opensearch.sh start printed no url=…:\n${out}`);
  const caFile = /^ca=(\S+)$/m.exec(out)?.[1];
  if (url.startsWith('https:') && !caFile) throw new Error(`scripts/opensearch.sh start printed an https url but no ca=…:\n${out}`);
  return { url, caFile, admin: { username: 'admin', password }, dir, startSeconds: (Date.now() - started) / 1000 };
}

/** Installs (cached) and starts the shared node; resolves when it is green. */
export function startOpenSearch(): Promise<RunningOpenSearch> {
  running ??= launch('enabled');
  return running;
}

/**
 * A node of its own with the security plugin switched off (an engine without security). The
 * shared node is stopped first so that one node at a time runs (the memory budget is per node).
 */
export async function withOpenSearchWithoutSecurity<T>(use: (node: RunningOpenSearch) => Promise<T>): Promise<T> {
  await stopOpenSearch();
  const node = await launch('disabled');
  try {
    return await use(node);
  } finally {
    await run(['stop', node.dir], process.env);
  }
}

export async function stopOpenSearch(): Promise<void> {
  if (!running) return;
  const node = await running.catch(() => undefined);
  running = undefined;
  if (node) await run(['stop', node.dir], process.env);
}

// Root hook: the shared node lives until the whole run ends.
after(async function () {
  this.timeout(60_000);
  await stopOpenSearch();
});

/**
 * A request as a user with basic auth, verified with the node's CA (node:https: fetch takes no CA);
 * JSON in, status and parsed body out.
 */
export function asUser(
  node: RunningOpenSearch,
  user: { username: string; password: string },
  method: string,
  pathAndQuery: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const url = new URL(`${node.url}${pathAndQuery}`);
  const options: https.RequestOptions = {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
      ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
    },
    ...(node.caFile ? { ca: fs.readFileSync(node.caFile) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch { /* plain text answers (e.g. 401 "Unauthorized") stay text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The users `filament setup` creates in these tests (passwords the security plugin accepts). */
export const WRITER = { username: 'filament_writer', password: 'Exporter-Writes-9x!' };
export const SUPPORT = { username: 'support', password: 'Helpdesk-Reads-7q!' };

export interface CliResult { code: number; stdout: string; stderr: string }

/**
 * `node dist/cli.js <command> --engine opensearch --url …` as a user runs it, as the node's admin,
 * with the node's CA (FILAMENT_SETUP_CA_CERT; `env` may replace it, '' drops it).
 */
export function filamentCli(node: RunningOpenSearch | { url: string }, command: 'setup' | 'verify', args: string[],
  env: Record<string, string> = {}): Promise<CliResult> {
  const admin = 'admin' in node ? node.admin : { username: 'admin', password: 'unused' };
  const caFile = 'caFile' in node ? node.caFile : undefined;
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), command, '--engine', 'opensearch', '--url', node.url, ...args], {
      env: {
        PATH: process.env.PATH,
        FILAMENT_SETUP_USERNAME: admin.username,
        FILAMENT_SETUP_PASSWORD: admin.password,
        FILAMENT_WRITER_PASSWORD: WRITER.password,
        FILAMENT_SUPPORT_PASSWORD: SUPPORT.password,
        ...(caFile ? { FILAMENT_SETUP_CA_CERT: caFile } : {}),
        ...env,
      },
      timeout: 120_000,
    }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
