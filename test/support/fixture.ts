/**
 * Runs a fixture service in a child process under the BUILT preload, the way a
 * user runs it (`node --require filament-otel/preload app.js` or `--import`).
 * Fixtures print `LISTENING <port>` (or `READY`) on stdout when ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from '../../scripts/lib/procs.cjs';

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

export interface RunningFixture {
  child: ChildProcess;
  port: number | undefined;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code / signal. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout contains `text`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
}

export interface FixtureOptions {
  /** `require` (default), `import`, or `none` (no preload: the bare baseline). */
  loader?: 'require' | 'import' | 'none';
  env?: Record<string, string | undefined>;
  /** OTLP receiver base URL; sets fast-export OTLP variables on the preload's default protocol (http/protobuf). */
  otlp?: string;
  args?: string[];
  /** What to wait for on stdout before resolving (default LISTENING). */
  readyText?: string;
  readyTimeoutMs?: number;
}

/**
 * Fast-export settings towards `url`. No OTEL_EXPORTER_OTLP_PROTOCOL: the fixtures speak what users
 * get by default (http/protobuf, as in src/config.ts), which the in-test receiver decodes; a test that
 * needs another protocol sets it in its own `env` and says why.
 */
export function otlpEnv(url: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_BLRP_SCHEDULE_DELAY: '100',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
    OTEL_METRIC_EXPORT_TIMEOUT: '400',
  };
}

export async function startFixture(file: string, options: FixtureOptions = {}): Promise<RunningFixture> {
  const loader = options.loader ?? 'require';
  const nodeArgs = loader === 'none' ? [] : [`--${loader}`, 'filament-otel/preload'];
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTEL_SERVICE_NAME: path.basename(file).replace(/\.[cm]?js$/, ''),
    ...(options.otlp !== undefined ? otlpEnv(options.otlp) : {}),
    ...options.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(process.execPath, [...nodeArgs, path.resolve(FIXTURES, file), ...(options.args ?? [])], {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  let exitedNow = false;
  void exited.then(() => { exitedNow = true; });

  const waitForOutput = async (text: string, timeoutMs = 20000): Promise<void> => {
    await waitFor(`fixture ${file} to print ${text}`, timeoutMs, () => (out.includes(text) || exitedNow ? true : undefined), 20).catch(() => { throw new Error(`fixture ${file} did not print ${text} in ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`); });
    if (!out.includes(text)) throw new Error(`fixture ${file} exited before printing ${text}\nstdout:\n${out}\nstderr:\n${err}`);
  };
  const readyText = options.readyText ?? 'LISTENING';
  await waitForOutput(readyText, options.readyTimeoutMs);
  const match = /LISTENING (\d+)/.exec(out);

  return {
    child,
    port: match ? Number(match[1]) : undefined,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15000) {
      if (!exitedNow) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** A small HTTP client: status and parsed body. */
export async function request(
  port: number, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

/**
 * startFixture that remembers what it started, and killLeftovers for `afterEach`: whatever a
 * failed assertion left running is killed before the next test.
 */
export function trackedFixtures(): {
  startFixture: (file: string, options: FixtureOptions) => Promise<RunningFixture>;
  killLeftovers: () => void;
} {
  const running = new Set<RunningFixture>();
  return {
    async startFixture(file, options) {
      const app = await startFixture(file, options);
      running.add(app);
      void app.exited.then(() => running.delete(app));
      return app;
    },
    killLeftovers() {
      for (const app of running) app.child.kill('SIGKILL');
    },
  };
}
