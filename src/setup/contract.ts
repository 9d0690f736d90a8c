/**
 * What `filament setup` provisions, by name: the data streams it covers, the roles and users, the
 * retention bounds. One place, so the engines' provisioners, the tests and docs/setup.md agree.
 */

/**
 * Index patterns of Filament's data streams. The collector (docs/collector.md) writes
 * `logs-filament.<area>.otel-<namespace>`; per-area traces and metrics streams and bridged app logs
 * (`logs-filament.app.otel-*`) follow the same `<type>-filament.*` shape. Other applications' data
 * streams on the same cluster are deliberately not covered: the support role reads Filament's data,
 * not everything called logs-*.
 */
export const DATA_STREAM_PATTERNS = {
  logs: 'logs-filament.*',
  traces: 'traces-filament.*',
  metrics: 'metrics-filament.*',
} as const;
export type SignalType = keyof typeof DATA_STREAM_PATTERNS;
export const SIGNAL_TYPES: readonly SignalType[] = ['logs', 'traces', 'metrics'];
export const ALL_DATA_STREAM_PATTERNS: string[] = SIGNAL_TYPES.map((t) => DATA_STREAM_PATTERNS[t]);

export const SUPPORT_ROLE = 'support';
export const WRITER_ROLE = 'filament_writer';
export const SUPPORT_USER = 'support';
export const WRITER_USER = 'filament_writer';

/** The ADR: "keep system logs no longer than 6 months". */
export const RETENTION_MAX_DAYS = 180;
export const RETENTION_DEFAULT_DAYS = 180;
/** Rollover keeps backing indices small enough that deletion by age is close to the limit. */
export const ROLLOVER_MAX_AGE = '1d';
export const ROLLOVER_MAX_PRIMARY_SHARD_SIZE = '50gb';

/** Retention policy names (ILM on Elasticsearch, ISM on OpenSearch). */
export const RETENTION_POLICY = 'filament-retention';
export const AUDIT_RETENTION_POLICY = 'filament-audit-retention';
/** The security plugin's default audit index (plugins.security.audit.config.index). */
export const OPENSEARCH_AUDIT_INDEX_PATTERN = 'security-auditlog-*';

/** OpenSearch has no built-in OTel templates: Filament's own, one per signal, over the patterns above. */
export const OPENSEARCH_INDEX_TEMPLATE = (t: SignalType): string => `filament-${t}`;
export const OPENSEARCH_BASE_COMPONENT = (t: SignalType): string => `filament-${t}@mappings`;
export const EVENTS_COMPONENT = 'filament-events@mappings';
/** Above the priority of anything else that might match `logs-filament.*` on a fresh cluster. */
export const OPENSEARCH_TEMPLATE_PRIORITY = 300;

/** Elasticsearch: the hooks its built-in logs/traces/metrics templates include (field-notes, "Engines"). */
export const ELASTICSEARCH_CUSTOM_COMPONENT = (t: SignalType): string => `${t}@custom`;

/**
 * Users whose own requests the audit trail leaves out. Not the writer (issue 21): OpenSearch cannot
 * limit it to `create` (docs/setup.md), so its refused requests, mapping and settings changes and
 * overwrites must be recorded for verify --watch to flag them.
 */
export const AUDIT_IGNORED_USERS = ['kibanaserver'];
/**
 * The backing indices whose document writes OpenSearch's compliance write history records
 * (operation CREATE, UPDATE or DELETE, metadata only): the only audit record that tells an
 * overwrite from a create — the bulk request's own record names neither the op type nor the index.
 */
export const WRITE_WATCHED_INDICES = ALL_DATA_STREAM_PATTERNS.map((p) => `.ds-${p}`);
