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

Exit status: 0 the rules hold, 3 at least one violation, 1 the cluster could not be read.`;
