/**
 * Which instrumentations to load, and loading only those. Upstream's
 * auto-instrumentations-node requires all ~40 instrumentation packages at
 * startup; here a package is `require`d only when its short name is enabled
 * (OTEL_NODE_ENABLED_INSTRUMENTATIONS / _DISABLED_, same names as upstream)
 * and, for the defaults, only when the library it instruments is installed.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Runtime } from './events';
import {
  FilamentFastifyInstrumentation, FilamentHttpServerInstrumentation, forwardUnrecordedExceptions, httpInstrumentationConfig,
} from './http';
import { FilamentAmqplibInstrumentation, onPublish, type PublishInfo } from './amqp';
import type { Span, TracerProvider } from '@opentelemetry/api';
import { BRIDGED_LOGGERS } from './logs';

interface Entry {
  /** npm package of the upstream instrumentation, if any. */
  readonly pkg?: string;
  /**
   * A literal `require` of `pkg` for the packages we depend on: the bundler
   * (scripts/bundle.mjs) folds those into dist/preload-bundle.js, which still runs
   * them only when the name is enabled. The others are resolved at run time.
   */
  readonly load?: () => Record<string, unknown>;
  /** Filament's own instrumentations for the name, registered after the package's. */
  readonly own?: (rt: Runtime) => Instrumentation[];
  /** The library it instruments (or libraries that bring it): defaults load only when one is installed. */
  readonly target?: string | readonly string[];
}

/** Short name → package, as in upstream's OTEL_NODE_ENABLED_INSTRUMENTATIONS. */
export const INSTRUMENTATION_PACKAGES: Readonly<Record<string, Entry>> = {
  // Outgoing requests upstream's; incoming ones our lean server hook.
  http: {
    pkg: '@opentelemetry/instrumentation-http',
    load: () => require('@opentelemetry/instrumentation-http'),
    own: (rt) => [new FilamentHttpServerInstrumentation(rt)],
  },
  express: {
    pkg: '@opentelemetry/instrumentation-express',
    load: () => require('@opentelemetry/instrumentation-express'),
    target: 'express',
  },
  // Route templates and errors from Fastify's diagnostics channel, no spans per hook.
  fastify: { own: () => [new FilamentFastifyInstrumentation()], target: 'fastify' },
  // Opt-in: a span per Fastify hook and handler.
  'fastify-otel': { pkg: '@fastify/otel', target: 'fastify' },
  // Ours after upstream's, so its consume wrapper runs inside the consumer span.
  amqplib: {
    pkg: '@opentelemetry/instrumentation-amqplib',
    load: () => require('@opentelemetry/instrumentation-amqplib'),
    own: (rt) => [new FilamentAmqplibInstrumentation(rt)],
    target: 'amqplib',
  },
  undici: {
    pkg: '@opentelemetry/instrumentation-undici',
    load: () => require('@opentelemetry/instrumentation-undici'),
  },
  pg: {
    pkg: '@opentelemetry/instrumentation-pg',
    load: () => require('@opentelemetry/instrumentation-pg'),
    target: 'pg',
  },
  // The apps' own log lines (src/logs/bridge.ts). Fastify logs through its own pino,
  // which an app need not depend on directly.
  pino: {
    pkg: '@opentelemetry/instrumentation-pino',
    load: () => require('@opentelemetry/instrumentation-pino'),
    target: ['pino', 'fastify'],
  },
  winston: {
    pkg: '@opentelemetry/instrumentation-winston',
    load: () => require('@opentelemetry/instrumentation-winston'),
    target: 'winston',
  },
  bunyan: {
    pkg: '@opentelemetry/instrumentation-bunyan',
    load: () => require('@opentelemetry/instrumentation-bunyan'),
    target: 'bunyan',
  },
  // The resource metrics, on by default (docs/events.md, "Runtime metrics"): event loop,
  // GC and V8 heap from perf_hooks and v8 (nodejs.*, v8js.*) …
  'runtime-node': {
    pkg: '@opentelemetry/instrumentation-runtime-node',
    load: () => require('@opentelemetry/instrumentation-runtime-node'),
  },
  // … and the process's CPU and resident memory (process.*), as EDOT does it: upstream's
  // host-metrics limited to its process groups (configFor).
  'host-metrics': {
    pkg: '@opentelemetry/instrumentation-host-metrics',
    load: () => require('@opentelemetry/instrumentation-host-metrics'),
  },
  ...Object.fromEntries(
    [
      'aws-lambda', 'aws-sdk', 'cassandra-driver', 'connect', 'cucumber', 'dataloader', 'dns', 'fs',
      'generic-pool', 'graphql', 'grpc', 'hapi', 'ioredis', 'kafkajs', 'knex', 'koa',
      'lru-memoizer', 'memcached', 'mongodb', 'mongoose', 'mysql', 'mysql2', 'nestjs-core', 'net', 'openai',
      'oracledb', 'redis', 'restify', 'router', 'socket.io', 'tedious',
    ].map((name) => [name, { pkg: `@opentelemetry/instrumentation-${name}` }]),
  ),
};

const ownRequire = createRequire(__filename);
let upstreamRequire: NodeRequire | undefined;

/**
 * Packages we do not bundle (the opt-ins beyond the defaults) are the app's to install:
 * resolved from the app first, then from an auto-instrumentations-node the app may have.
 * filament-otel depends on neither, so a service installs only what the preload needs.
 */
function requirePackage(pkg: string): Record<string, unknown> {
  for (const paths of [appPaths(), undefined]) {
    try {
      return ownRequire(ownRequire.resolve(pkg, paths === undefined ? undefined : { paths })) as Record<string, unknown>;
    } catch {
      // not here
    }
  }
  try {
    upstreamRequire ??= createRequire(ownRequire.resolve('@opentelemetry/auto-instrumentations-node/package.json', { paths: appPaths() }));
    return upstreamRequire(pkg) as Record<string, unknown>;
  } catch {
    throw new Error(`${pkg} is not installed; filament-otel does not install the instrumentations beyond its defaults: npm install ${pkg} beside the app`);
  }
}

function appPaths(): string[] {
  const paths = [process.cwd()];
  const main = process.argv[1];
  if (main !== undefined && main !== '') paths.unshift(path.dirname(path.resolve(main)));
  return paths;
}

function appResolvable(name: string): boolean {
  try {
    ownRequire.resolve(name, { paths: appPaths() });
    return true;
  } catch {
    return false;
  }
}

function targetInstalled(target: string | readonly string[]): boolean {
  return typeof target === 'string' ? appResolvable(target) : target.some(appResolvable);
}

type InstrumentationClass = new (config?: object) => Instrumentation;

function instrumentationClass(mod: Record<string, unknown>): InstrumentationClass | undefined {
  for (const value of Object.values(mod)) {
    if (typeof value === 'function' && /Instrumentation$/.test(value.name)) return value as InstrumentationClass;
  }
  return undefined;
}

function configFor(name: string, rt: Runtime): object {
  switch (name) {
    case 'http':
      return httpInstrumentationConfig();
    case 'amqplib':
      return {
        publishHook: (span: Span, info: PublishInfo) => onPublish(rt, span, info),
      };
    case 'pino':
    case 'winston':
    case 'bunyan':
      return {
        disableLogSending: !rt.config.logSending,
        disableLogCorrelation: !rt.config.logCorrelation,
      };
    case 'host-metrics':
      // Only the process's own CPU and memory. The system.* groups describe the host, not the
      // service: the collector's hostmetrics receiver is the place for them (EDOT limits them the
      // same way: the per-CPU series multiply the volume, and the network group shells out).
      return { metricGroups: ['process.cpu', 'process.memory'] };
    case 'fastify-otel':
      // Hooks every Fastify instance through its diagnostics channel: no app change.
      return { registerOnInitialization: true };
    default:
      return {};
  }
}

/**
 * An upstream instrumentation records a handler's exception on its own span
 * (Express: the request handler layer). When the sampler drops that span the
 * exception is lost to `api.error`; a tracer that forwards it is handed in
 * instead of the SDK's (src/http/unsampledExceptions.ts).
 */
function withForwardedExceptions(instrumentation: Instrumentation): Instrumentation {
  const setTracerProvider = instrumentation.setTracerProvider.bind(instrumentation);
  instrumentation.setTracerProvider = (provider: TracerProvider) => setTracerProvider(forwardUnrecordedExceptions(provider));
  return instrumentation;
}

function loadInto(out: Instrumentation[], problems: string[], name: string, load: () => Instrumentation[]): void {
  try {
    out.push(...load());
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    problems.push(`filament-otel: instrumentation "${name}" could not be loaded (${reason}); continuing without it`);
  }
}

/**
 * Builds the enabled instrumentations. `explicit` is true when the user named
 * the list (then a missing target library is not a reason to skip).
 */
export function loadInstrumentations(rt: Runtime, explicit: boolean, problems: string[]): Instrumentation[] {
  const out: Instrumentation[] = [];
  for (const name of rt.config.instrumentations) {
    const entry = INSTRUMENTATION_PACKAGES[name];
    if (entry === undefined) {
      problems.push(`filament-otel: OTEL_NODE_ENABLED_INSTRUMENTATIONS names "${name}", which is not a known instrumentation; it is ignored`);
      continue;
    }
    if (!explicit && entry.target !== undefined && !targetInstalled(entry.target)) continue;
    // Neither sending nor correlation: nothing for a logger instrumentation to do.
    if (BRIDGED_LOGGERS.includes(name) && !rt.config.logSending && !rt.config.logCorrelation) continue;
    // Upstream's package and our own hooks load independently: one failing does not take the other.
    const { pkg, load, own } = entry;
    if (pkg !== undefined) {
      loadInto(out, problems, name, () => {
        const Klass = instrumentationClass(load !== undefined ? load() : requirePackage(pkg));
        if (Klass === undefined) throw new Error(`${pkg} exports no instrumentation class`);
        return [withForwardedExceptions(new Klass(configFor(name, rt)))];
      });
    }
    if (own !== undefined) loadInto(out, problems, name, () => own(rt));
  }
  return out;
}
