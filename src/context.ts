/**
 * The context manager, and the cheap way to give an incoming request its context.
 *
 * A request's later events ('data', 'end' of the body, the handlers a framework
 * runs from them) are emitted by node:http's parser callbacks, not from inside
 * our `emit('request')` hook — so the context set around the hook is gone by
 * then. instrumentation-http answers this with `context.bind(ctx, req)` and
 * `(ctx, res)`, which patches both emitters to wrap every listener added later
 * in a closure: a large share of what the preload costs a hello-world request
 * (measured: docs/benchmarks.md).
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
 * Where the store lives in an async context frame instead (Node 24+ by default),
 * entering does not outlive the callback: a native resource such as the parser
 * runs its callbacks in the frame it captured when it was set up (the
 * connection's), whatever was entered since. `resourceStoresPersist` is then
 * false (probed, not guessed from the version) and the request carries its
 * context instead: one property on req and one on res, read by a single
 * prototype-level `emit` of IncomingMessage and ServerResponse that runs the
 * listeners of an event in that context (`context.with`, a frame swap). That
 * covers what binding req/res covered — every listener of the request's and
 * the response's events ('data' and 'end' of a body arriving later, 'finish',
 * 'close'), and what they schedule — without patching six methods of two
 * emitters and wrapping each listener per request. It is also the path of a
 * request emitted outside its parser's resource (handed to another server),
 * on every line: the last server's context wins, as the app expects.
 */
import { AsyncLocalStorage, AsyncResource, executionAsyncResource } from 'node:async_hooks';
import { context, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { IncomingMessage, ServerResponse } from 'node:http';

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
  // At start-up, not on the first request: changing a prototype later throws away the code V8 has
  // optimised for everything that depends on it (seen as a burst of deoptimisations under load).
  patchEmit(IncomingMessage.prototype as unknown as { emit: EmitFn });
  patchEmit(ServerResponse.prototype as unknown as { emit: EmitFn });
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

const kRequestContext = Symbol('filament.requestContext');
const kOriginalEmit = Symbol('filament.requestContext.originalEmit');

type EmitFn = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type Carrier = { [kRequestContext]?: Context | undefined; listenerCount(event: string | symbol): number };

function applyEmit(original: EmitFn, emitter: unknown, args: IArguments): boolean {
  return original.apply(emitter, args as unknown as [string | symbol, ...unknown[]]);
}

/** Once per process: the events of a request or response that carries a context run in it. */
function patchEmit(proto: { emit: EmitFn } & { [kOriginalEmit]?: EmitFn }): void {
  if (Object.prototype.hasOwnProperty.call(proto, kOriginalEmit)) return;
  const original = proto.emit;
  const emit = function emit(this: Carrier, event: string | symbol): boolean {
    const ctx = this[kRequestContext];
    // Nothing to enter (not a server request, or no listener for this event), or already in it.
    if (ctx === undefined || manager === undefined || this.listenerCount(event) === 0 || manager.active() === ctx) {
      return original.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
    }
    return manager.with(ctx, applyEmit, undefined, original, this, arguments);
  };
  Object.defineProperty(proto, kOriginalEmit, { value: original });
  proto.emit = emit as unknown as EmitFn;
}

/** Gives req and res `ctx` for their later events (see the top of this file). */
function carryContext(ctx: Context, req: IncomingMessage, res: ServerResponse): void {
  (req as Carrier)[kRequestContext] = ctx;
  (res as Carrier)[kRequestContext] = ctx;
}

/**
 * Emits the server's 'request' with `ctx` active for the rest of the request:
 * the listeners, the parser callbacks that bring the body, and what the app
 * schedules from them. Entered on the parser resource where that persists,
 * else carried by req/res (or, under another context manager than ours, bound).
 */
export function emitInRequestContext<S>(
  ctx: Context, emit: (this: S, event: string, req: IncomingMessage, res: ServerResponse) => boolean,
  server: S, req: IncomingMessage, res: ServerResponse,
): boolean {
  if (enterOnParserResource(ctx, req)) return emit.call(server, 'request', req, res);
  if (manager !== undefined) {
    carryContext(ctx, req, res);
  } else {
    context.bind(ctx, req);
    context.bind(ctx, res);
  }
  return context.with(ctx, emit, server, 'request', req, res);
}
