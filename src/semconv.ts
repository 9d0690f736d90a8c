/**
 * Attribute names, event names and metric names Filament exports: the contract
 * that dashboards, the collector config and Elasticsearch mappings rely on.
 * docs/events.md publishes the same table for people.
 *
 * Rules (checked by test/semconv.test.ts):
 * - OpenTelemetry semantic conventions wherever one exists (http.*, messaging.*,
 *   error.*, exception.*); domain names live under order.*, customer.*, model3d.*,
 *   queue.*, api.* and filament.* (markers about how a value was captured).
 * - Durations carry their unit in the name (`_ms`).
 * - No name is a prefix of another followed by a dot: Elasticsearch maps dotted
 *   names as objects, so `a.b` and `a.b.c` would clash in one index.
 */

// ---- event names (LogRecord.eventName) ----
export const EVENT_ORDER_STATUS_CHANGED = 'order.status_changed';
export const EVENT_MODEL3D_PRICED = 'model3d.priced';
export const EVENT_API_REQUEST = 'api.request';
export const EVENT_API_ERROR = 'api.error';
export const EVENT_QUEUE_MESSAGE = 'queue.message';
export const EVENT_QUEUE_DEAD_LETTERED = 'queue.dead_lettered';

export const EVENT_NAMES = [
  EVENT_ORDER_STATUS_CHANGED,
  EVENT_MODEL3D_PRICED,
  EVENT_API_REQUEST,
  EVENT_API_ERROR,
  EVENT_QUEUE_MESSAGE,
  EVENT_QUEUE_DEAD_LETTERED,
] as const;
export type FilamentEventName = (typeof EVENT_NAMES)[number];

/** Not a business event: the one ERROR record a crash leaves (docs/events.md, "A crash"). */
export const EVENT_PROCESS_CRASHED = 'process.crashed';

// ---- semantic conventions ----
// Stable names: the preload's modules import them from @opentelemetry/semantic-conventions
// (as the contrib instrumentations do). They are also spelled out here, for the contract list
// below and the public `semconv` export: dist/index.js is not bundled, and importing the
// package here would load its whole index into every app that calls the API (start-up,
// docs/benchmarks.md). test/attribute-names.test.ts checks each equals the package's constant.
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_ERROR_TYPE = 'error.type';
/**
 * `error.type` of a request whose client closed the connection before the
 * response was complete. The semantic conventions define no value for it (only
 * `_OTHER`); they ask for a low-cardinality, documented identifier (docs/events.md).
 */
export const ERROR_TYPE_ABORTED = 'aborted';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
export const ATTR_SERVICE_NAME = 'service.name';
// Not stable yet (incubating in @opentelemetry/semantic-conventions, which asks that they be copied).
export const ATTR_ERROR_MESSAGE = 'error.message';
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_RABBITMQ_ROUTING_KEY = 'messaging.rabbitmq.destination.routing_key';
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
export const ATTR_MESSAGING_MESSAGE_CONVERSATION_ID = 'messaging.message.conversation_id';
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = 'messaging.message.body.size';
/** Resource attributes of the host detector (resource.ts), as upstream's writes them. */
export const ATTR_HOST_NAME = 'host.name';
export const ATTR_HOST_ARCH = 'host.arch';
export const ATTR_HOST_ID = 'host.id';

export const MESSAGING_SYSTEM_RABBITMQ = 'rabbitmq';
export const MESSAGING_OPERATION_SEND = 'send';
export const MESSAGING_OPERATION_RECEIVE = 'receive';

// ---- api.* (ADR: request name, processing time) ----
/** Method and route template, e.g. `POST /v1/models/{id}/price`; never a raw path. */
export const ATTR_API_REQUEST_NAME = 'api.request.name';
export const ATTR_API_REQUEST_DURATION_MS = 'api.request.duration_ms';

// ---- order.* / customer.* ----
export const ATTR_ORDER_NUMBER = 'order.number';
export const ATTR_ORDER_STATUS = 'order.status';
export const ATTR_ORDER_PREVIOUS_STATUS = 'order.previous_status';
export const ATTR_CUSTOMER_ID = 'customer.id';

// ---- model3d.* ----
export const ATTR_MODEL3D_POLYGON_COUNT = 'model3d.polygon_count';
export const ATTR_MODEL3D_PROCESSING_TIME_MS = 'model3d.processing_time_ms';
export const ATTR_MODEL3D_COST = 'model3d.cost';
export const ATTR_MODEL3D_CURRENCY = 'model3d.currency';
export const ATTR_MODEL3D_FORMAT = 'model3d.format';
export const ATTR_MODEL3D_MATERIAL = 'model3d.material';

// ---- queue.* (dead-lettering; RabbitMQ's x-death entry) ----
export const ATTR_QUEUE_DEAD_LETTER_REASON = 'queue.dead_letter.reason';
export const ATTR_QUEUE_DEAD_LETTER_QUEUE = 'queue.dead_letter.queue';
export const ATTR_QUEUE_DEAD_LETTER_EXCHANGE = 'queue.dead_letter.exchange';
export const ATTR_QUEUE_DEAD_LETTER_COUNT = 'queue.dead_letter.count';

export const DEAD_LETTER_REASONS = ['rejected', 'expired', 'maxlen', 'delivery_limit'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

// ---- filament.* (how a captured value was treated before export) ----
/** `text` | `json` | `binary` | `empty` */
export const ATTR_FILAMENT_CONTENT_KIND = 'filament.content.kind';
export const ATTR_FILAMENT_CONTENT_TRUNCATED = 'filament.content.truncated';
/** How many PII/secret values were masked in the body or message. */
export const ATTR_FILAMENT_CONTENT_MASKED = 'filament.content.masked';
/** `uncaughtException` | `unhandledRejection` (Node's `origin`), on `process.crashed`. */
export const ATTR_FILAMENT_CRASH_ORIGIN = 'filament.crash.origin';

// ---- bridged log records (pino, winston, bunyan; src/logs/bridge.ts) ----
/**
 * A logger's own field keeps its name unless that name clashes with one above by a
 * dotted prefix (`order` beside `order.number`) or is a routing name (`data_stream.*`,
 * `elasticsearch.*`): then it is exported as `field.<name>` (`field.order`).
 */
export const BRIDGED_FIELD_PREFIX = 'field.';

// ---- metric names ----
/** Counter of `api.error` events, by route and status (the ADR's error count and rate). */
export const METRIC_API_ERRORS = 'filament.api.errors';
/** Histogram of model processing time as reported by modelPriced (seconds, semconv unit). */
export const METRIC_MODEL3D_PRICING_DURATION = 'model3d.pricing.duration';
/** Counter of polygons priced, with the same attributes as the duration: time per polygon = duration sum / this. */
export const METRIC_MODEL3D_PRICING_POLYGONS = 'model3d.pricing.polygons';
/** Counter of dead-lettered messages, by original queue and reason. */
export const METRIC_QUEUE_DEAD_LETTERS = 'filament.queue.dead_letters';
/** Semconv messaging client counters. */
export const METRIC_MESSAGING_SENT = 'messaging.client.sent.messages';
export const METRIC_MESSAGING_CONSUMED = 'messaging.client.consumed.messages';

/** Every attribute name above, for the prefix check and docs. */
export const ALL_ATTRIBUTE_NAMES: readonly string[] = [
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_ROUTE, ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_ERROR_TYPE, ATTR_ERROR_MESSAGE, ATTR_EXCEPTION_TYPE, ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE, ATTR_SERVICE_NAME, ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_OPERATION_TYPE, ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_RABBITMQ_ROUTING_KEY, ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID, ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_API_REQUEST_NAME, ATTR_API_REQUEST_DURATION_MS, ATTR_ORDER_NUMBER,
  ATTR_ORDER_STATUS, ATTR_ORDER_PREVIOUS_STATUS, ATTR_CUSTOMER_ID,
  ATTR_MODEL3D_POLYGON_COUNT, ATTR_MODEL3D_PROCESSING_TIME_MS, ATTR_MODEL3D_COST,
  ATTR_MODEL3D_CURRENCY, ATTR_MODEL3D_FORMAT, ATTR_MODEL3D_MATERIAL,
  ATTR_QUEUE_DEAD_LETTER_REASON, ATTR_QUEUE_DEAD_LETTER_QUEUE,
  ATTR_QUEUE_DEAD_LETTER_EXCHANGE, ATTR_QUEUE_DEAD_LETTER_COUNT,
  ATTR_FILAMENT_CONTENT_KIND, ATTR_FILAMENT_CONTENT_TRUNCATED, ATTR_FILAMENT_CONTENT_MASKED,
  ATTR_FILAMENT_CRASH_ORIGIN,
];
