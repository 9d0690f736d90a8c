/**
 * The runtime metrics the preload exports by default (test/preload-runtime-metrics.test.ts
 * proves each through OTLP): the attribute-names check takes their attribute keys from here,
 * since those packages' dotted literals are metric and group names, not attributes.
 */
export const RUNTIME = '@opentelemetry/instrumentation-runtime-node';
export const HOST = '@opentelemetry/instrumentation-host-metrics';

/** name → [scope, unit, attribute keys of its points] — semantic conventions 1.3x, metrics of the process and runtime. */
export const EXPECTED: Record<string, [string, string | undefined, string[]]> = {
  'process.cpu.time': [HOST, 's', ['cpu.mode']],
  'process.cpu.utilization': [HOST, undefined, ['cpu.mode']],
  'process.memory.usage': [HOST, undefined, []],
  'nodejs.eventloop.utilization': [RUNTIME, '1', []],
  'nodejs.eventloop.time': [RUNTIME, 's', ['nodejs.eventloop.state']],
  'nodejs.eventloop.delay.min': [RUNTIME, 's', []],
  'nodejs.eventloop.delay.max': [RUNTIME, 's', []],
  'nodejs.eventloop.delay.mean': [RUNTIME, 's', []],
  'nodejs.eventloop.delay.stddev': [RUNTIME, 's', []],
  'nodejs.eventloop.delay.p50': [RUNTIME, 's', []],
  'nodejs.eventloop.delay.p90': [RUNTIME, 's', []],
  'nodejs.eventloop.delay.p99': [RUNTIME, 's', []],
  'v8js.gc.duration': [RUNTIME, 's', ['v8js.gc.type']],
  'v8js.memory.heap.used': [RUNTIME, 'By', ['v8js.heap.space.name']],
  'v8js.memory.heap.space.size': [RUNTIME, 'By', ['v8js.heap.space.name']],
  'v8js.memory.heap.space.available_size': [RUNTIME, 'By', ['v8js.heap.space.name']],
  'v8js.memory.heap.space.physical_size': [RUNTIME, 'By', ['v8js.heap.space.name']],
  'v8js.resource.active': [RUNTIME, '{resource}', ['v8js.resource.type']],
};
