/**
 * Fastify route templates and handler errors for the request's `api.request`
 * / `api.error` and its SERVER span — without a span per Fastify hook.
 *
 * Fastify announces every new instance on the `fastify.initialization`
 * diagnostics channel (CommonJS or ES module import alike, so no module
 * hooking is needed); we add one `onRequest` hook that puts
 * `request.routeOptions.url` on the request's RPC metadata and one `onError`
 * hook that keeps the exception for `api.error`. Hook-level spans are
 * @fastify/otel's job: enable it by name (`fastify-otel`) when wanted —
 * its cost on a small route is in docs/benchmarks.md.
 */
import * as diagnostics from 'node:diagnostics_channel';
import { OwnInstrumentation } from '../ownInstrumentation';
import { recordRequestException, requestMetadata } from './requestMetadata';

const CHANNEL = 'fastify.initialization';
type Done = (error?: Error) => void;

/** The parts of Fastify's API used here (no dependency on Fastify's types). */
interface FastifyRequestLike {
  raw: object;
  routeOptions?: { url?: string };
}
interface FastifyLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: unknown, done: Done) => void): unknown;
  addHook(name: 'onError', hook: (request: FastifyRequestLike, reply: unknown, error: unknown, done: Done) => void): unknown;
}

function onRequest(request: FastifyRequestLike, _reply: unknown, done: Done): void {
  const md = requestMetadata(request.raw);
  const url = request.routeOptions?.url;
  if (md !== undefined && typeof url === 'string' && url !== '') md.route = url;
  done();
}

function onError(request: FastifyRequestLike, _reply: unknown, error: unknown, done: Done): void {
  const md = requestMetadata(request.raw);
  if (md !== undefined) recordRequestException(md, error);
  done();
}

function onInitialization(message: unknown): void {
  const app = (message as { fastify?: FastifyLike } | undefined)?.fastify;
  if (app === undefined || typeof app.addHook !== 'function') return;
  try {
    app.addHook('onRequest', onRequest);
    app.addHook('onError', onError);
  } catch {
    // A Fastify we do not understand: it keeps working, without route names.
  }
}

export class FilamentFastifyInstrumentation extends OwnInstrumentation {
  constructor() {
    super('fastify');
  }

  protected install(): void {
    diagnostics.subscribe(CHANNEL, onInitialization);
  }

  protected uninstall(): void {
    diagnostics.unsubscribe(CHANNEL, onInitialization);
  }
}
