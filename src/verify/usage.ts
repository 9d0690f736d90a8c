export const VERIFY_USAGE = `usage: filament verify --engine elasticsearch|opensearch --url URL [options]

Reads the cluster's effective security state (users, role mappings, every role including the
built-in ones, action groups or API keys and run_as, the audit configuration) and the retention
policies, and checks the logging ADR's rules:
  (a) only users mapped to role support, and the admins, read logs-filament.*, traces-filament.*,
      metrics-filament.*; the support role mapping names only user support
  (b) only the admins read or change the audit index (security-auditlog-*); on Elasticsearch, whose
      audit trail is a file on each node: only the admins may rewrite the audit settings
  (c) every read of Filament's data is audited: no ignore list, ignore filter or disabled
      category exempts a reader
  (d) the writer only appends; nobody but the admins changes or deletes stored data
  (e) retention is enforced (ISM), or --skip retention says plainly that nothing is deleted
One line per violation: the principal, the access, the role/mapping/setting that grants it.
Changes nothing. filament setup runs it at its end.

Takes setup's flags and environment (filament setup --help); user passwords are not needed.
  --admins NAMES           administrators besides --username, comma-separated (FILAMENT_ADMINS)
  --skip STEPS             security, audit, retention: leave that part unchecked (said so)

Continuous (docs/setup.md, "filament verify --watch"):
  --watch                  verify every --interval and serve the result on GET /metrics:
                           filament_store_policy_violations{invariant}, filament_store_verify_up,
                           filament_store_verify_last_run_timestamp_seconds, and suspicious access
                           from the audit trail: filament_store_suspicious_access_total{kind,principal}
  --interval D             60s (default), 5s, 2m, …
  --listen HOST:PORT       the /metrics listener (default 127.0.0.1:9469)
  --tls-cert F, --tls-key F  its certificate and 0600 key (FILAMENT_VERIFY_METRICS_TLS_CERT/_KEY)
                           credentials: FILAMENT_VERIFY_METRICS_USERNAME with FILAMENT_VERIFY_METRICS_PASSWORD
                           or _PASSWORD_FILE (0600), and/or FILAMENT_VERIFY_METRICS_TOKEN or _TOKEN_FILE (bearer)
  --insecure-loopback-metrics  plain HTTP without authentication, loopback only (development)
  --audit-log FILE         Elasticsearch: a node's audit log (<cluster>_audit.json), read as it grows

Exit status: 0 the rules hold, 3 at least one violation, 1 the cluster could not be read.
With --watch: runs until SIGINT/SIGTERM, then 0; 1 when its options or listener are refused.`;
