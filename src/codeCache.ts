/**
 * Runs the preload's bundle (dist/preload-bundle.js) from a V8 code cache kept on disk, so a
 * start-up does not parse ~800 KB of JavaScript again (docs/benchmarks.md, "Start-up: the code
 * cache"). FILAMENT_CODE_CACHE (docs/settings.md): unset or `on` — a private directory under the
 * system's temporary directory; `off` — the bundle is required as any module; an absolute path —
 * that directory.
 *
 * - Made two seconds after the start at the earliest, once the first export has been sent (at
 *   most 30 s after the start), not at compile time: by then the preload has started and the
 *   app's modules have been loaded and patched, so
 *   the cache holds the bytecode of every function that ran, not only the top level (measured:
 *   +380 → +221 M main-thread instructions for `-e 0`; a compile-time cache +296 M), and the
 *   writing is off the start-up.
 * - Named by what V8 does not check: V8 accepts a cache made by its own version with its own flags
 *   for any source of the same LENGTH (v8 src/snapshot/code-serializer.cc, SanityCheck), so an
 *   edited bundle would run the old code. The name is a SHA-256 of the source, Node's version, the
 *   platform, the process's flags and NODE_OPTIONS; the file repeats it and carries a SHA-256 of
 *   its payload, which release builds of V8 do not verify (a torn or rotted file could crash the
 *   service instead of being refused).
 * - A code cache is code: it is read only from a directory that is the process user's own, not a
 *   link, and writable by nobody else, and only a regular file of the same user; anything else is
 *   said once on stderr and the bundle is compiled from source. Files are written to a temporary
 *   name and renamed, so processes starting together (cluster workers) never read a half-written one.
 * - Never in the way of a start: any failure of the cache (a read-only file system, no space)
 *   falls back to compiling the source.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { globals, kCodeCache } from './symbols';

/**
 * off: required as any module; missed: no cache yet (one is written once the service is up);
 * used: V8 took the cache; stale: a cache of another source or process, or damaged (replaced);
 * rejected: V8 refused it (replaced); refused: a directory or file not private to this user;
 * unavailable: the directory cannot be made or read.
 */
export interface CodeCacheState {
  outcome: 'off' | 'missed' | 'used' | 'stale' | 'rejected' | 'refused' | 'unavailable';
  /** The cache file for this source and process, once known. */
  file?: string;
  /** Set once this process wrote the cache file. */
  written?: boolean;
  /**
   * Set by the bundle's export path (export/lazyExporter.ts): 'awaited' when an exporter is made,
   * 'done' once one has sent its first batch — the cache waits for that, so the code of the
   * first export is in it too.
   */
  firstExport?: 'awaited' | 'done';
}

declare module './symbols' {
  interface Globals {
    [kCodeCache]?: CodeCacheState;
  }
}

const MAGIC = Buffer.from('filament-otel v8 code cache 1\n', 'latin1');
const DIGEST_BYTES = 32;
/**
 * When a start that found no usable cache writes one: serialising, hashing and writing ~1 MB cost
 * about as many instructions as one start saves (callgrind), so it waits until the service is up
 * (and a process that ends sooner writes none), and the bytecode of the app's start-up is in it by
 * then — and, up to WRITE_BY_MS, until the first export has been sent, so that its code is too
 * (start-up added +108…121 → +89…95 ms: docs/benchmarks.md, "Start-up: the code cache").
 */
const WRITE_AFTER_MS = 2000;
const WRITE_BY_MS = 30000;
/** Files of other keys kept beside the newest (other Node lines or flags on one host); older ones are deleted. */
const KEEP_FILES = 8;

/**
 * Where the cache lives, from FILAMENT_CODE_CACHE; no `dir`: off (with a line to say when the
 * value was unusable). `named`: the user chose the directory, so its failures are worth a line.
 */
export function codeCacheDirectory(value: string | undefined, tmpdir: string, uid: number | undefined): { dir?: string; named?: boolean; problem?: string } {
  const v = value?.trim() ?? '';
  if (v === 'off') return {};
  if (v === '' || v === 'on') {
    // Without a user id (Windows) there is no owner to check: off unless a directory is named.
    return uid === undefined ? {} : { dir: path.join(tmpdir, `filament-otel-${uid}`), named: false };
  }
  if (path.isAbsolute(v)) return { dir: v, named: true };
  return { problem: `FILAMENT_CODE_CACHE=${v} is neither on, off nor an absolute directory; the preload starts without the code cache` };
}

/** Who besides the owner may write a directory or file of this mode (group or others may: 0o022). */
function writableBy(mode: number): string {
  return `is writable by ${(mode & 0o002) !== 0 ? 'others' : 'its group'} (mode ${(mode & 0o777).toString(8)})`;
}

/** Why `dir` may not hold code this process runs, or undefined when it may (created 0700 if missing). */
function unsafeDirectory(dir: string, uid: number | undefined): string | undefined {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a directory';
  if (uid !== undefined && st.uid !== uid) return `is owned by uid ${st.uid}, not ${uid}`;
  if ((st.mode & 0o022) !== 0) return writableBy(st.mode);
  return undefined;
}

/** The cache file's payload if it is ours, whole and made for `key`; 'absent', or why it is refused or stale. */
function readCache(file: string, key: Buffer, uid: number | undefined): Buffer | 'absent' | { stale: string } | { refused: string } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    return { refused: `cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { refused: 'is not a regular file' };
    if (uid !== undefined && st.uid !== uid) return { refused: `is owned by uid ${st.uid}, not ${uid}` };
    if ((st.mode & 0o022) !== 0) return { refused: writableBy(st.mode) };
    const whole = fs.readFileSync(fd);
    const head = MAGIC.length + 2 * DIGEST_BYTES;
    if (whole.length <= head || !whole.subarray(0, MAGIC.length).equals(MAGIC)) return { stale: 'not a cache of this format' };
    if (!whole.subarray(MAGIC.length, MAGIC.length + DIGEST_BYTES).equals(key)) return { stale: 'made for another source or process' };
    const payload = whole.subarray(head);
    if (!createHash('sha256').update(payload).digest().equals(whole.subarray(MAGIC.length + DIGEST_BYTES, head))) return { stale: 'damaged' };
    return payload;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the cache under a temporary name, renames it into place, and deletes the oldest beyond KEEP_FILES. */
function writeCache(dir: string, file: string, key: Buffer, payload: Buffer): void {
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, Buffer.concat([MAGIC, key, createHash('sha256').update(payload).digest(), payload]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  const others = fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache') && f !== path.basename(file))
    .map((f) => ({ f, mtime: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.mtime - a.mtime);
  for (const { f } of others.slice(KEEP_FILES - 1)) fs.rmSync(path.join(dir, f), { force: true });
}

/** Options whose value is a script, not a setting (`node -e …`): one service's start-ups share a cache whatever they evaluate. */
const SCRIPT_OPTIONS = new Set(['-e', '--eval', '-p', '--print']);

/**
 * The process's flags as far as they can change V8's (V8 refuses a cache made under other flags:
 * without them in the name, two sets of flags on one host would replace each other's file at
 * every start), without the text of an evaluated script.
 */
function flagsOf(execArgv: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (SCRIPT_OPTIONS.has(arg)) i++;
    else if (!/^--(eval|print)=/.test(arg)) kept.push(arg === '-r' ? '--require' : arg);
  }
  return kept.join('\0');
}

/**
 * The cache's key: the source's SHA-256 with everything else V8 checks or ignores (see the top).
 * Hashed as read: a string would be encoded to UTF-8 again first (3 ms instead of 0.7 here).
 */
function cacheKey(source: Buffer): Buffer {
  return createHash('sha256').update(source).update('\0').update(process.version).update('\0').update(`${process.platform}-${process.arch}`)
    .update('\0').update(flagsOf(process.execArgv)).update('\0').update(process.env.NODE_OPTIONS ?? '').digest();
}

/** Requires `bundle`, through the code cache in FILAMENT_CODE_CACHE's directory where it may (see above). */
export function runBundle(bundle: string): void {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const { dir, named, problem } = codeCacheDirectory(process.env.FILAMENT_CODE_CACHE, os.tmpdir(), uid);
  const state: CodeCacheState = { outcome: 'off' };
  globals[kCodeCache] = state;
  const say = (line: string): void => {
    if (isMainThread) process.stderr.write(`filament-otel: ${line}\n`);
  };
  if (problem !== undefined) say(problem);
  let source: string | undefined;
  let key: Buffer | undefined;
  let file: string | undefined;
  let cached: Buffer | undefined;
  if (dir !== undefined) {
    try {
      const unsafe = unsafeDirectory(dir, uid);
      if (unsafe !== undefined) {
        state.outcome = 'refused';
        say(`the code cache directory ${dir} ${unsafe}: the preload starts without it (FILAMENT_CODE_CACHE, docs/settings.md)`);
      } else {
        const bytes = fs.readFileSync(bundle);
        key = cacheKey(bytes);
        source = bytes.toString('utf8');
        file = path.join(dir, `preload-${key.toString('hex').slice(0, 32)}.v8cache`);
        state.file = file;
        const read = readCache(file, key, uid);
        if (Buffer.isBuffer(read)) cached = read;
        else if (read === 'absent') state.outcome = 'missed';
        else if ('stale' in read) state.outcome = 'stale';
        else {
          state.outcome = 'refused';
          say(`the code cache file ${file} ${read.refused}: the preload starts without it (FILAMENT_CODE_CACHE, docs/settings.md)`);
        }
      }
    } catch (error) {
      // A directory that cannot be made or read (read-only file system, permissions): only an
      // explicitly named one is worth a line; the default's absence costs start-up time alone.
      state.outcome = 'unavailable';
      if (named === true) {
        say(`the code cache directory ${dir} cannot be used (${(error as NodeJS.ErrnoException).code ?? String(error)}): the preload starts without it`);
      }
    }
  }
  if (source === undefined || key === undefined || file === undefined || state.outcome === 'refused') {
    require(bundle);
    return;
  }
  const script = new vm.Script(wrapCommonJs(source), { filename: bundle, cachedData: cached, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  if (cached !== undefined) state.outcome = script.cachedDataRejected === true ? 'rejected' : 'used';
  const moduleRequire = createRequire(bundle);
  const moduleObject = { exports: {} as unknown, id: bundle, filename: bundle, loaded: false };
  (script.runInThisContext() as CommonJsWrapper).call(moduleObject.exports, moduleObject.exports, moduleRequire, moduleObject, bundle, path.dirname(bundle));
  moduleObject.loaded = true;
  // Made by the main thread only (a worker's start-up runs other code), once the service is up.
  if (state.outcome === 'used' || !isMainThread) return;
  const cacheFile = file;
  const cacheKeyBytes = key;
  let seen: number | undefined;
  try {
    seen = fs.statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs;
  } catch {
    return; // the directory became unreadable since it was checked: compile again next time
  }
  const started = Date.now();
  const write = (): void => {
    if (state.firstExport === 'awaited' && Date.now() - started < WRITE_BY_MS) {
      setTimeout(write, WRITE_AFTER_MS).unref();
      return;
    }
    try {
      // Processes started together (cluster workers) all missed: the first to get here writes.
      if (fs.statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs !== seen) return;
      writeCache(path.dirname(cacheFile), cacheFile, cacheKeyBytes, script.createCachedData());
      state.written = true;
    } catch {
      // no space, a read-only file system: the next start compiles again
    }
  };
  setTimeout(write, WRITE_AFTER_MS).unref();
}

type CommonJsWrapper = (this: unknown, exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;

/** Node's CommonJS wrapper (node:module wrap()), so the bundle sees exports, require, module, __filename, __dirname. */
function wrapCommonJs(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}
