// Counts the log records of an OTLP/HTTP protobuf ExportLogsServiceRequest per instrumentation scope,
// for the sink's COUNT_LOGS mode (bench/servers/sink.cjs): the log-line bench checks that every variant
// it compares really bridged each line (bench/run.ts, logBridgeCheck). Field numbers from
// opentelemetry-proto's logs/v1/logs.proto: ExportLogsServiceRequest.resource_logs = 1,
// ResourceLogs.scope_logs = 2, ScopeLogs.scope = 1 / log_records = 2, InstrumentationScope.name = 1.
const { Reader } = require('protobufjs/minimal');

/** Calls `each(fieldNumber, reader)` for every field of the message in `bytes`; `each` must consume or skip it. */
function fields(bytes, each) {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (!each(tag >>> 3, reader)) reader.skipType(tag & 7);
  }
}

/** Adds the records of one request to `counts` (scope name → records). */
function countLogRecords(body, counts) {
  fields(body, (f, r) => f === 1 && (fields(r.bytes(), (g, rl) => g === 2 && (countScope(rl.bytes(), counts), true)), true));
}

function countScope(bytes, counts) {
  let scope = '';
  let records = 0;
  fields(bytes, (f, r) => {
    if (f === 1) { fields(r.bytes(), (g, s) => g === 1 && ((scope = s.string()), true)); return true; }
    if (f === 2) { r.skipType(2); records++; return true; }
    return false;
  });
  counts[scope] = (counts[scope] ?? 0) + records;
}

module.exports = { countLogRecords };
