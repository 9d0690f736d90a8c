/**
 * One home for the symbols and the process-wide state kept under them (as
 * pino's lib/symbols.js). Registered symbols (`Symbol.for`): two copies of the
 * package — the preload's bundle (dist/preload-bundle.js) and the app's own
 * `require('filament-otel')` (dist/index.js) — meet on the same slots of
 * `globalThis`, so the app's API calls reach the preload's SDK and runtime.
 * The `.v1` suffix changes when a slot's shape does, so copies of different
 * shapes never read each other's state.
 */

/** Set by the first preload entry that runs in this thread (--require and --import together start once). */
export const kStarted = Symbol.for('filament-otel.started.v1');
/** The configuration the preload read (also when OTEL_SDK_DISABLED): nobody reads the environment twice. */
export const kConfig = Symbol.for('filament-otel.config.v1');
/** The started SDK: the API's forceFlush()/shutdown() and the stop hooks (lifecycle.ts). */
export const kSdk = Symbol.for('filament-otel.sdk.v1');
/** Set when the SDK's logger provider begins to shut down: records emitted later go nowhere, and say so (events/runtime.ts). */
export const kStopped = Symbol.for('filament-otel.stopped.v1');
/** Configuration, logger, masker and instruments the event emitters share (events/runtime.ts). */
export const kRuntime = Symbol.for('filament-otel.runtime.v1');
/**
 * How the ESM entry (preload.mts) registers the import-in-the-middle loader hook:
 * set before it requires the CommonJS preload, called by the preload only when it
 * starts the SDK in this thread (preload.ts).
 */
export const kEsmHooks = Symbol.for('filament-otel.esmHooks.v1');
/** Set by the ESM entry (preload.mts) once import-in-the-middle's loader hook is registered in this thread (importHook.ts). */
export const kEsmLoader = Symbol.for('filament-otel.esmLoader.v1');
/** How the preload's bundle was loaded in this thread (codeCache.ts): what the start-up and its tests read. */
export const kCodeCache = Symbol.for('filament-otel.codeCache.v1');

/** On an amqplib channel: the dead-letter tap's own channel, never instrumented (amqp/). */
export const kTapChannel = Symbol.for('filament-otel.amqp.tapChannel');
/** On an http.IncomingMessage: its RPC metadata, for the framework hooks (http/requestMetadata.ts). */
export const kRequestMetadata = Symbol.for('filament.http.requestMetadata');

/** Registers the ESM loader hook (reports on stderr if it cannot; never throws). */
export type EsmHooks = () => void;

/**
 * The slots' types. This file is the leaf every module may import, so it names no type of the
 * floors above: the module that owns a slot adds it here by declaration merging
 * (`declare module './symbols' { interface Globals { [kSdk]?: FilamentSdk } }` in lifecycle.ts,
 * kConfig and kRuntime in events/runtime.ts).
 */
export interface Globals {
  [kStarted]?: boolean;
  [kStopped]?: boolean;
  [kEsmHooks]?: EsmHooks;
  [kEsmLoader]?: boolean;
}

/** The process-wide slots (per thread: a worker has its own globalThis). */
export const globals = globalThis as typeof globalThis & Globals;
