/**
 * Secrets read from files — the responder's token, Alertmanager and RabbitMQ
 * credentials, the verify watcher's key and passwords: a file that group or
 * others can read is refused rather than used, as ssh refuses a private key
 * (docs/security.md).
 */
import * as fs from 'node:fs';

export class SecretError extends Error {}

/** The file's content, trimmed of the final newline; refused when group or others may read it. */
export function readSecretFile(file: string, what: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new SecretError(`${what}: cannot read ${file}: ${(e as Error).message}`);
  }
  if ((st.mode & 0o077) !== 0) {
    throw new SecretError(`${what}: ${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  const value = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (value === '') throw new SecretError(`${what}: ${file} is empty`);
  return value;
}
