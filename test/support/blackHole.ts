/**
 * A store that reads every request and never answers (issue 22, item 6): what a hung Elasticsearch or
 * OpenSearch looks like to an exporter. Keeps every body (gunzipped) to count attempts.
 */
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';

export class BlackHole {
  readonly bodies: string[] = [];
  private server = http.createServer((req, _res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      this.bodies.push((req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8'));
    });
  });

  /** Listens on `port` (default: any free one) on 127.0.0.1. */
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** How many requests carried `marker`. */
  seen(marker: string): number {
    return this.bodies.filter((b) => b.includes(marker)).length;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
