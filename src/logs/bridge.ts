/**
 * The services' own log lines. pino, winston and bunyan records reach the
 * OpenTelemetry Logs API through the official instrumentations' log sending
 * (@opentelemetry/instrumentation-pino, -bunyan, and winston's transport
 * @opentelemetry/winston-transport); this processor runs on each of them
 * before any exporter sees it and applies what Filament promises for every
 * exported record:
 *
 * - the same masking as captured content (src/masking/): a value
 *   under a sensitive key is replaced whole, text is masked by Masker.mask(),
 *   text longer than FILAMENT_CONTENT_MAX_BYTES characters is cut and marked
 *   (`filament.content.truncated`); the count goes into `filament.content.masked`;
 * - the attribute-name contract (src/semconv.ts): a logger field whose name
 *   would clash with a Filament name by a dotted prefix (`order` beside
 *   `order.number`, `order.number.raw` below it), or with a name the collector
 *   and Elasticsearch route by (`data_stream.*`, `elasticsearch.*`), is kept
 *   under `field.` (`field.order`);
 * - the six event names stay Filament's: a bridged record that names one
 *   (an `otel.event.name` field, which upstream makes the event name) loses
 *   it, kept as `field.event.name`; an `event.name` field, which the collector
 *   would make the event name, is exported as `field.event.name` too.
 *
 * Records of other scopes pass untouched after one set lookup.
 */
import type { AnyValue, Attributes as LogAttributes } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { MaskTally, Masker } from '../masking';
import {
  ALL_ATTRIBUTE_NAMES, ATTR_FILAMENT_CONTENT_MASKED, ATTR_FILAMENT_CONTENT_TRUNCATED, BRIDGED_FIELD_PREFIX, EVENT_NAMES,
} from '../semconv';

/** Instrumentation scope names of bridged records (the collector routes by them too). */
export const BRIDGED_LOG_SCOPES: readonly string[] = [
  '@opentelemetry/instrumentation-pino',
  '@opentelemetry/instrumentation-bunyan',
  '@opentelemetry/winston-transport',
];

/** Short instrumentation names whose records this processor handles. */
export const BRIDGED_LOGGERS: readonly string[] = ['pino', 'winston', 'bunyan'];

/** Attribute names that decide where a record is stored (collector, Elasticsearch exporter), with all below them. */
const ROUTING_NAMES = ['data_stream', 'elasticsearch'];
/** The collector turns this (deprecated) attribute into the record's event name. */
const ATTR_EVENT_NAME_DEPRECATED = 'event.name';

const EVENT_NAME_SET: ReadonlySet<string> = new Set(EVENT_NAMES);

/**
 * Whether a key clashes with a contract name by a dotted prefix. `names` are
 * the contract's names (and the routing roots), `prefixes` every proper
 * dotted prefix of them.
 */
function buildClashTest(): (key: string) => boolean {
  const names = new Set<string>([...ALL_ATTRIBUTE_NAMES, ...ROUTING_NAMES]);
  const prefixes = new Set<string>(ROUTING_NAMES);
  for (const name of ALL_ATTRIBUTE_NAMES) {
    for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) prefixes.add(name.slice(0, dot));
  }
  return (key) => {
    if (prefixes.has(key) || key === ATTR_EVENT_NAME_DEPRECATED) return true; // `order` beside `order.number`
    for (let dot = key.indexOf('.'); dot !== -1; dot = key.indexOf('.', dot + 1)) {
      if (names.has(key.slice(0, dot))) return true; // `order.number.raw` under `order.number`
    }
    return false;
  };
}

export class BridgedLogProcessor implements LogRecordProcessor {
  private readonly scopes: ReadonlySet<string> = new Set(BRIDGED_LOG_SCOPES);
  private readonly clashes = buildClashTest();
  /** Field name → exported name; the same few fields come in every record (bounded). */
  private readonly names = new Map<string, string>();
  /** Reused for every record: a record with nothing to mask allocates nothing. */
  private readonly tally: MaskTally = { masked: 0, truncated: false };

  constructor(private readonly masker: Masker, private readonly maxChars: number) {}

  onEmit(record: ReadWriteLogRecord): void {
    if (!this.scopes.has(record.instrumentationScope.name)) return;
    const tally = this.tally;
    tally.masked = 0;
    tally.truncated = false;
    const attributes: LogAttributes = record.attributes;
    let renamed: string[] | undefined;
    for (const key in attributes) {
      const value = attributes[key];
      const exported = this.exportedName(key);
      // The app's objects are copied where they change, never changed.
      const masked = this.masker.maskField(key, value, this.maxChars, tally) as AnyValue;
      if (exported !== key) {
        // Applied after the loop: keys added while iterating may or may not be visited.
        (renamed ??= []).push(key, exported);
        attributes[key] = masked;
      } else if (masked !== value) {
        attributes[key] = masked;
      }
    }
    if (renamed !== undefined) {
      for (let i = 0; i < renamed.length; i += 2) {
        const from = renamed[i] as string;
        attributes[renamed[i + 1] as string] = attributes[from];
        delete attributes[from];
      }
    }
    // Upstream takes the event name from an `otel.event.name` field.
    const eventName = record.eventName;
    if (eventName !== undefined && EVENT_NAME_SET.has(eventName)) {
      record.eventName = undefined;
      attributes[`${BRIDGED_FIELD_PREFIX}${ATTR_EVENT_NAME_DEPRECATED}`] = eventName;
    }
    const body = record.body;
    if (body !== undefined && body !== null) {
      const masked = this.masker.maskNode(body, this.maxChars, tally, 0) as AnyValue;
      if (masked !== body) record.body = masked;
    }
    if (tally.masked > 0) attributes[ATTR_FILAMENT_CONTENT_MASKED] = tally.masked;
    if (tally.truncated) attributes[ATTR_FILAMENT_CONTENT_TRUNCATED] = true;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private exportedName(key: string): string {
    let exported = this.names.get(key);
    if (exported === undefined) {
      exported = this.clashes(key) ? `${BRIDGED_FIELD_PREFIX}${key}` : key;
      if (this.names.size >= 4096) this.names.clear();
      this.names.set(key, exported);
    }
    return exported;
  }
}
