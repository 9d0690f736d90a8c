/**
 * The context manager, and the cheap way to give an incoming request its context.
 *
 * A request's later events ('data', 'end' of the body, the handlers a framework
 * runs from them) are emitted by node:http's parser callbacks, not from inside
 * our `emit('request')` hook — so the context set around the hook is gone by
 * then. instrumentation-http answers this with `context.bind(ctx, req)` and
 * `(ctx, res)`, which patches both emitters to wrap every listener added later
 * in a closure: ~12 µs a request on a hello-world server here (about a fifth of
 * what the preload costs there, measured in bench/).
 *
 * Where AsyncLocalStorage keeps its store on the current async resource (Node
 * 20 and 22 by default), the parser's callbacks for a connection all run in ONE
 * resource (`HTTPServerAsyncResource`, `resource.socket === req.socket`). Entering
 * the request's context on that resource (the context manager's `attach`, i.e.
 * `enterWith`) makes every later parser callback of the request — and
 * everything they schedule — run in it, at the cost of one property write. The
 * next request on the connection enters its own context the same way; until
 * then an idle keep-alive connection holds the last request's context (its
 * ended span and metadata — a few small objects per idle connection).
 *
 * Where the store lives in an async context frame instead (Node 24+), entering
 * does not outlive the callback; `resourceStoresPersist` is then false and the
 * request falls back to binding. The property is probed, not guessed from the
 * version.
 */
import { AsyncLocalStorage, AsyncResource, executionAsyncResource } from 'node:async_hooks';
import { context, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Does a store entered inside an async resource's scope persist on that resource? */
export function probeResourceStores(): boolean {
  const storage = new AsyncLocalStorage<number>();
  const resource = new AsyncResource('filament.contextProbe');
  resource.runInAsyncScope(() => storage.enterWith(1));
  const persisted = resource.runInAsyncScope(() => storage.getStore()) === 1;
  storage.disable();
  return persisted;
}

let manager: AsyncLocalStorageContextManager | undefined;
let resourceStoresPersist = false;

/** Registers the global context manager; false when another was registered first. */
export function installContextManager(): boolean {
  const candidate = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(candidate)) return false;
  manager = candidate;
  resourceStoresPersist = typeof candidate.attach === 'function' && probeResourceStores();
  return true;
}

/** Makes `ctx` the store of the connection's parser resource; false when that path does not apply. */
function enterOnParserResource(ctx: Context, req: IncomingMessage): boolean {
  if (manager === undefined || !resourceStoresPersist) return false;
  // Only inside the parser's own resource for this connection: anywhere else
  // (a request emitted by hand or handed to another server) entering would leak.
  const resource = executionAsyncResource() as { socket?: unknown };
  if (resource.socket !== req.socket || req.socket == null) return false;
  manager.attach(ctx); // not disposed: the context is meant to outlive this call
  return true;
}

/**
 * Emits the server's 'request' with `ctx` active for the rest of the request:
 * the listeners, the parser callbacks that bring the body, and what the app
 * schedules from them. Entered on the parser resource where that persists,
 * else req/res are bound and the emit runs in `context.with`.
 */
export function emitInRequestContext<S>(
  ctx: Context, emit: (this: S, event: string, req: IncomingMessage, res: ServerResponse) => boolean,
  server: S, req: IncomingMessage, res: ServerResponse,
): boolean {
  if (enterOnParserResource(ctx, req)) return emit.call(server, 'request', req, res);
  context.bind(ctx, req);
  context.bind(ctx, res);
  return context.with(ctx, emit, server, 'request', req, res);
}
