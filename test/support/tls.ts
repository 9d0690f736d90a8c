/** A throwaway CA and a server certificate for 127.0.0.1/localhost, made with openssl, for tests of TLS hops. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestCertificates {
  /** PEM files: the CA, the server's certificate and its key (0600). */
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
}

export function makeCertificates(dir: string, name = 'server'): TestCertificates {
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string): string => path.join(dir, n);
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!fs.existsSync(f('ca.crt'))) ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=filament-test-ca', '-days', '2');
  ssl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(f(`${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`));
  fs.chmodSync(f(`${name}.key`), 0o600);
  return { caFile: f('ca.crt'), certFile: f(`${name}.crt`), keyFile: f(`${name}.key`), ca: fs.readFileSync(f('ca.crt'), 'utf8') };
}
