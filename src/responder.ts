#!/usr/bin/env node
/**
 * filament-responder: receives Alertmanager's webhook and runs the runbook
 * mapped to each alert (docs/alerting.md). Not part of the preload bundle.
 *   filament-responder --config responder.json [--dry-run]
 * Its audit events leave through the preload (OTEL_* variables apply; the
 * service name defaults to filament-responder).
 */
import type { connect as Connect } from 'amqplib';
import { missingToolPackages } from './toolPackages';
import { shutdown } from './index';
// './responder/index', not './responder': that name resolves to this file.
import { connectBroker, createResponder, loadResponderConfig, ResponderConfigError, startResponderServer } from './responder/index';

async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--config');
  const file = at >= 0 ? argv[at + 1] : process.env.FILAMENT_RESPONDER_CONFIG;
  if (file === undefined) throw new ResponderConfigError('usage: filament-responder --config FILE [--dry-run] (or FILAMENT_RESPONDER_CONFIG)');
  const loaded = loadResponderConfig(file);
  const config = argv.includes('--dry-run') ? { ...loaded, dryRun: true } : loaded;
  // amqplib is not a dependency of filament-otel (src/toolPackages.ts): asked for by name.
  const missing = missingToolPackages('filament-responder');
  if (missing !== undefined) throw new ResponderConfigError(missing.replace(/^filament-responder: /, ''));
  const { connect } = require('amqplib') as { connect: typeof Connect };
  process.env.OTEL_SERVICE_NAME ??= 'filament-responder';
  require('./preload');
  const responder = createResponder(config, () => connectBroker(connect, config));
  const server = await startResponderServer(responder, config);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const scheme = config.tls !== undefined ? 'https' : 'http';
  process.stdout.write(`filament-responder: listening on ${scheme}://${config.listen.replace(/:\d+$/, `:${port}`)}${config.dryRun ? ' (dry run)' : ''}\n`);
  // Only loopback may be plain or open (config.ts refuses both elsewhere): said once, at start.
  if (config.tls === undefined || config.token === undefined) {
    process.stdout.write(`filament-responder: ${[config.tls === undefined ? 'plain HTTP' : '', config.token === undefined ? 'NO webhook authentication (insecureNoAuth)' : ''].filter(Boolean).join(' and ')} on loopback: development only (docs/security.md)\n`);
  }
  if (config.alertmanager === undefined) process.stdout.write('filament-responder: no alertmanager configured: no runbook can act (record only)\n');
  process.stdout.write(`LISTENING ${port}\n`);
  const stop = (): void => {
    server.close();
    // Audit events still queued in the preload leave before the exit.
    void responder.close().then(() => shutdown()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`filament-responder: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ResponderConfigError ? 2 : 1);
});
