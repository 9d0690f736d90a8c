/**
 * filament-responder's connection to RabbitMQ: amqps:// verified against the
 * operator's CA (amqpCaFile), or amqp:// on loopback (config.ts refuses it
 * elsewhere). Failures are said in one line naming the broker, never the URL
 * (it carries the password).
 */
import type { ChannelModel, connect as Connect } from 'amqplib';
import type { ResponderConfig } from './config';

/** Node's codes for a certificate chain it cannot trust (https://nodejs.org/api/tls.html, OpenSSL's verify errors). */
const UNTRUSTED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED']);

/** What went wrong, in words an operator acts on. */
export function brokerError(config: Pick<ResponderConfig, 'amqpUrl' | 'amqpCa'>, err: unknown): Error {
  const url = new URL(config.amqpUrl);
  const broker = `${url.protocol}//${url.host}`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined && UNTRUSTED.has(code)) {
    return new Error(`${broker}: the broker's certificate is not trusted (${code}): `
      + (config.amqpCa === undefined ? 'set amqpCaFile to the CA that signed it' : 'amqpCaFile is not the CA that signed it'));
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return new Error(`${broker}: the broker's certificate does not name ${url.hostname} (${message})`);
  if (code === 'CERT_HAS_EXPIRED') return new Error(`${broker}: the broker's certificate has expired`);
  return new Error(`${broker}: ${message.split('\n')[0]}`);
}

/**
 * amqplib gives socket options to tls.connect for amqps:// — `ca` among them
 * (https://amqp-node.github.io/amqplib/channel_api.html#connect); without
 * amqpCaFile, Node's trusted CAs verify the broker.
 */
export async function connectBroker(connect: typeof Connect, config: Pick<ResponderConfig, 'amqpUrl' | 'amqpCa'>): Promise<ChannelModel> {
  try {
    return await connect(config.amqpUrl, config.amqpCa !== undefined ? { ca: [config.amqpCa] } : {});
  } catch (err) {
    throw brokerError(config, err);
  }
}
