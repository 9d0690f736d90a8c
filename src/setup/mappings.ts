/**
 * Field types for the event contract (docs/events.md) where an engine's dynamic mapping would guess
 * wrong: ids and names must be exact-match keywords (not analysed text), durations and costs doubles
 * (a first value of `7` would otherwise map `model3d.cost` as long and truncate every later 7.35),
 * counts longs. Paths are those of the elasticsearch exporter's otel-mode document
 * (`attributes.<name>`, `resource.attributes.<name>`, `event_name`, …; docs/collector.md).
 */
import * as semconv from '../semconv';

export type ContractFieldType = 'keyword' | 'long' | 'double' | 'boolean' | 'date_nanos' | 'date';

/** Top-level fields of an otel-mode log document (the elasticsearch exporter's) that the contract relies on. */
export const DOCUMENT_FIELDS: Readonly<Record<string, ContractFieldType>> = {
  '@timestamp': 'date_nanos',
  event_name: 'keyword',
  severity_text: 'keyword',
  severity_number: 'long',
  trace_id: 'keyword',
  span_id: 'keyword',
  [`resource.attributes.${semconv.ATTR_SERVICE_NAME}`]: 'keyword',
};

/**
 * The same for OpenSearch, whose exporter (contrib opensearchexporter, default mapping mode) writes the
 * Simple Schema for Observability instead (encoder.go `encodeLogSSO`, sso_model.go; docs/collector.md,
 * "OpenSearch"): severity, trace and span ids and the resource under other names, and no field for the
 * event name, which collector/config.opensearch.yaml therefore stores as the attribute `event.name`
 * (`eventName`: where a later exporter version writes it itself).
 */
export const SS4O_LOG_FIELDS: Readonly<Record<string, ContractFieldType>> = {
  '@timestamp': 'date_nanos',
  observedTimestamp: 'date_nanos',
  'attributes.event.name': 'keyword',
  eventName: 'keyword',
  'severity.text': 'keyword',
  'severity.number': 'long',
  traceId: 'keyword',
  spanId: 'keyword',
  [`resource.${semconv.ATTR_SERVICE_NAME}`]: 'keyword',
};

/**
 * An SS4O span: its times, ids, name, kind and status. Its `@timestamp` is never set by the exporter's
 * `encodeTrace` (the zero time, year 1, is written): a `date_nanos` field refuses that (it starts in 1970),
 * so it is a `date`, and the traces data streams take `startTime` as their timestamp field.
 */
export const SS4O_SPAN_FIELDS: Readonly<Record<string, ContractFieldType>> = {
  startTime: 'date_nanos',
  endTime: 'date_nanos',
  '@timestamp': 'date',
  traceId: 'keyword',
  spanId: 'keyword',
  parentSpanId: 'keyword',
  name: 'keyword',
  kind: 'keyword',
  'status.code': 'keyword',
  [`resource.${semconv.ATTR_SERVICE_NAME}`]: 'keyword',
};

/** Record attributes (under `attributes.`) with a fixed type. */
export const ATTRIBUTE_FIELDS: Readonly<Record<string, ContractFieldType>> = {
  // ids and names
  [semconv.ATTR_CUSTOMER_ID]: 'keyword',
  [semconv.ATTR_ORDER_NUMBER]: 'keyword',
  [semconv.ATTR_ORDER_STATUS]: 'keyword',
  [semconv.ATTR_ORDER_PREVIOUS_STATUS]: 'keyword',
  [semconv.ATTR_MESSAGING_MESSAGE_ID]: 'keyword',
  [semconv.ATTR_MESSAGING_MESSAGE_CONVERSATION_ID]: 'keyword',
  [semconv.ATTR_MESSAGING_DESTINATION_NAME]: 'keyword',
  [semconv.ATTR_MESSAGING_OPERATION_TYPE]: 'keyword',
  [semconv.ATTR_API_REQUEST_NAME]: 'keyword',
  [semconv.ATTR_HTTP_ROUTE]: 'keyword',
  [semconv.ATTR_HTTP_REQUEST_METHOD]: 'keyword',
  [semconv.ATTR_ERROR_TYPE]: 'keyword',
  [semconv.ATTR_QUEUE_DEAD_LETTER_REASON]: 'keyword',
  [semconv.ATTR_QUEUE_DEAD_LETTER_QUEUE]: 'keyword',
  [semconv.ATTR_QUEUE_DEAD_LETTER_EXCHANGE]: 'keyword',
  [semconv.ATTR_MODEL3D_CURRENCY]: 'keyword',
  [semconv.ATTR_MODEL3D_FORMAT]: 'keyword',
  [semconv.ATTR_MODEL3D_MATERIAL]: 'keyword',
  // numbers
  [semconv.ATTR_MODEL3D_POLYGON_COUNT]: 'long',
  [semconv.ATTR_MODEL3D_PROCESSING_TIME_MS]: 'double',
  [semconv.ATTR_MODEL3D_COST]: 'double',
  [semconv.ATTR_API_REQUEST_DURATION_MS]: 'double',
  [semconv.ATTR_HTTP_RESPONSE_STATUS_CODE]: 'long',
  [semconv.ATTR_MESSAGING_MESSAGE_BODY_SIZE]: 'long',
  [semconv.ATTR_QUEUE_DEAD_LETTER_COUNT]: 'long',
  [semconv.ATTR_FILAMENT_CONTENT_MASKED]: 'long',
};

/** Every contract field of a log document by its full path: the otel-mode document, or OpenSearch's SS4O one. */
export function contractFieldPaths(shape: 'otel' | 'ss4o' = 'otel'): Record<string, ContractFieldType> {
  const out: Record<string, ContractFieldType> = { ...(shape === 'otel' ? DOCUMENT_FIELDS : SS4O_LOG_FIELDS) };
  for (const [name, type] of Object.entries(ATTRIBUTE_FIELDS)) out[`attributes.${name}`] = type;
  return out;
}

/** A mapping property tree (dotted paths expanded into objects, as the engines store them). */
export interface PropertyTree {
  [name: string]: { type: ContractFieldType } | { properties: PropertyTree };
}

/** Expands dotted paths into nested `properties`: OpenSearch maps dotted names as objects anyway. */
export function propertyTree(fields: Readonly<Record<string, ContractFieldType>>): PropertyTree {
  const root: PropertyTree = {};
  for (const [path, type] of Object.entries(fields)) {
    const parts = path.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const existing = node[part];
      if (existing === undefined) {
        const child: PropertyTree = {};
        node[part] = { properties: child };
        node = child;
      } else if ('properties' in existing) {
        node = existing.properties;
      } else {
        throw new Error(`mapping: ${path} is under a leaf field`);
      }
    }
    node[parts[parts.length - 1] as string] = { type };
  }
  return root;
}

/**
 * Elasticsearch dynamic templates for the contract attributes: its built-in OTel mappings make
 * `attributes` a passthrough object (flat dotted keys), so the fields are typed by full path when
 * they first appear instead of by redefining that object.
 */
export interface DynamicTemplate {
  [name: string]: { path_match: string; mapping: { type: ContractFieldType } };
}
export function elasticsearchDynamicTemplates(): DynamicTemplate[] {
  return Object.entries(ATTRIBUTE_FIELDS).map(([name, type]) => ({
    [`filament_${name.replace(/[^a-z0-9]+/g, '_')}`]: { path_match: `attributes.${name}`, mapping: { type } },
  }));
}
