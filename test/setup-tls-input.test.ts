/**
 * `filament setup` / `filament verify` and the engine's HTTPS certificate (issue 21, item 4): a
 * server whose certificate no trusted CA signed gets a hint naming --ca-cert (not "check --url"),
 * the CA given with --ca-cert is really used, and a --ca-cert file that is not a PEM certificate is
 * refused with one line before anything is sent. The engine is a stand-in HTTPS server with a
 * certificate made by openssl for this run: only the TLS handshake matters here, and the stand-in
 * answers as something that is not OpenSearch, which setup refuses after a handshake that worked.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './support/fixture';

const CLI = path.join(ROOT, 'dist', 'cli.js');

interface CliResult { code: number; stdout: string; stderr: string }

function cli(command: 'setup' | 'verify', url: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, command, '--engine', 'opensearch', '--url', url, '--skip', 'retention', ...args], {
      env: {
        PATH: process.env.PATH,
        FILAMENT_SETUP_USERNAME: 'admin',
        FILAMENT_SETUP_PASSWORD: 'Adm-Stand-In-1x!',
        FILAMENT_WRITER_PASSWORD: 'Exporter-Writes-9x!',
        FILAMENT_SUPPORT_PASSWORD: 'Helpdesk-Reads-7q!',
      },
      timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

function oneLine(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  return lines[0] as string;
}

describe('setup and verify over HTTPS: the CA (--ca-cert)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: https.Server;
  let url: string;
  const requests: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-in', path.join(dir, 'cert.pem'), '-outform', 'der', '-out', path.join(dir, 'cert.der')], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: 'not-a-search-engine', version: { number: '1.0.0' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const command of ['setup', 'verify'] as const) {
    it(`${command}: a certificate no trusted CA signed → one line naming --ca-cert, exit 1`, async () => {
      const r = await cli(command, url, []);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(oneLine(r), new RegExp(`^filament ${command}: cannot verify the TLS certificate of https://127\\.0\\.0\\.1:\\d+ \\(.*\\): pass the CA that signed it with --ca-cert FILE \\(FILAMENT_SETUP_CA_CERT\\)$`));
    });
  }

  it('with --ca-cert the handshake succeeds: the CA is used (the stand-in is then refused as not OpenSearch)', async () => {
    const before = requests.length;
    const r = await cli('setup', url, ['--ca-cert', path.join(dir, 'cert.pem')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(oneLine(r), /^filament setup: https:\/\/127\.0\.0\.1:\d+ is not OpenSearch/);
    assert.deepEqual(requests.slice(before), ['GET /']);
  });

  it('a DER file or an unparsable block as --ca-cert: one line, exit 1, nothing sent', async () => {
    const before = requests.length;
    const der = await cli('setup', url, ['--ca-cert', path.join(dir, 'cert.der')]);
    assert.equal(der.code, 1);
    assert.equal(oneLine(der), `filament setup: --ca-cert ${path.join(dir, 'cert.der')} is not a PEM certificate (no -----BEGIN CERTIFICATE----- block); convert a DER file with: openssl x509 -inform der -in ${path.join(dir, 'cert.der')} -out ca.pem`);
    const broken = await cli('verify', url, ['--ca-cert', path.join(dir, 'broken.pem')]);
    assert.equal(broken.code, 1);
    assert.match(oneLine(broken), new RegExp(`^filament verify: --ca-cert ${path.join(dir, 'broken.pem').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a certificate in it cannot be parsed \\(`));
    assert.equal(requests.length, before);
  });
});
