/**
 * Secrets the responder reads: the webhook token, the Alertmanager password,
 * the RabbitMQ URL. Each comes from an environment variable or a file that
 * only its owner can read — like ssh with a private key, a file that group or
 * others can read is refused rather than used (docs/security.md).
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

/** The URL with its password replaced, for lines a person or a log may read. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
