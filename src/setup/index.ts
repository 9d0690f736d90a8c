/**
 * What the rest of src uses of setup/: `filament setup` (run.ts; docs/setup.md), and the contract,
 * options, errors and clients `filament verify` (src/verify) shares with it.
 */
export { runSetup, VIOLATIONS_EXIT, type VerifyStore } from './run';
export {
  ALL_DATA_STREAM_PATTERNS, AUDIT_RETENTION_POLICY, ELASTICSEARCH_CUSTOM_COMPONENT, OPENSEARCH_AUDIT_INDEX_PATTERN,
  RETENTION_POLICY, SIGNAL_TYPES, SUPPORT_ROLE, SUPPORT_USER, WRITE_WATCHED_INDICES, WRITER_USER,
} from './contract';
export { describe, isNoHandler, SetupError, statusOf, stepper } from './errors';
export { parseSetupOptions, type SetupOptions } from './options';
export { AUDIT_LICENCES, elasticsearchClient } from './elasticsearch';
export { openSearchClient } from './opensearch-client';
