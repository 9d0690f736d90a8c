/**
 * `queue.message` for every publish and every consumed message, with the
 * current messaging semantic-convention names (the upstream amqplib
 * instrumentation still writes the old ones on its spans).
 */
import { randomUUID } from 'node:crypto';
import {
  context, propagation, ROOT_CONTEXT, SeverityNumber, trace,
  type Attributes as LogAttributes, type Attributes as MetricAttributes, type Context, type Span,
} from '@opentelemetry/api';
import { emitEvent, type Runtime } from '../events';
import { captureContent } from '../masking';
import {
  ATTR_FILAMENT_CONTENT_KIND, ATTR_FILAMENT_CONTENT_MASKED, ATTR_FILAMENT_CONTENT_TRUNCATED,
  ATTR_MESSAGING_DESTINATION_NAME, ATTR_MESSAGING_MESSAGE_BODY_SIZE, ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID, ATTR_MESSAGING_OPERATION_TYPE, ATTR_MESSAGING_RABBITMQ_ROUTING_KEY,
  ATTR_MESSAGING_SYSTEM, EVENT_QUEUE_MESSAGE, MESSAGING_OPERATION_RECEIVE, MESSAGING_OPERATION_SEND,
  MESSAGING_SYSTEM_RABBITMQ,
} from '../semconv';

/** The parts of amqplib's publish options and message properties we read. */
export interface AmqpProperties {
  messageId?: unknown;
  correlationId?: unknown;
  contentType?: unknown;
  headers?: Record<string, unknown>;
}

export interface AmqpMessage {
  content: Buffer;
  fields: { exchange?: string; routingKey?: string; consumerTag?: string; redelivered?: boolean };
  properties: AmqpProperties;
}

export interface PublishInfo {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options?: AmqpProperties;
}

/**
 * An AMQP id property (messageId, correlationId) as exported, one rule for
 * publish, receive and dead-letter records: a non-empty string as is, a finite
 * number as its decimal text (clients other than amqplib may send one);
 * anything else is not reported (docs/events.md, `messaging.message.id`).
 */
export function amqpIdentifier(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Puts `messaging.message.id` and `messaging.message.conversation_id` on a dead-letter record (deadLetterTap.ts). */
export function identifierAttributes(attrs: LogAttributes, properties: AmqpProperties | undefined): void {
  const messageId = amqpIdentifier(properties?.messageId);
  if (messageId !== undefined) attrs[ATTR_MESSAGING_MESSAGE_ID] = messageId;
  const correlationId = amqpIdentifier(properties?.correlationId);
  if (correlationId !== undefined) attrs[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = correlationId;
}

/**
 * A `queue.message` record's attributes, every one it can carry declared at once in their exported
 * order, those it does not carry `undefined` (the SDK skips an undefined attribute: sdk-logs
 * LogRecordImpl.setAttribute, core's maybeAddAttribute) — one object shape for every publish and
 * delivery, filled in place by contentAttributes, instead of an object that grows by up to six
 * properties per message. The record's content is the same as when they were added one by one.
 */
function queueMessageAttributes(
  operation: string, destination: string, routingKey: string | undefined, messageId: string | undefined,
  properties: AmqpProperties | undefined,
): LogAttributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_RABBITMQ,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation,
    [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    [ATTR_MESSAGING_RABBITMQ_ROUTING_KEY]: routingKey,
    [ATTR_MESSAGING_MESSAGE_ID]: messageId,
    [ATTR_MESSAGING_MESSAGE_CONVERSATION_ID]: amqpIdentifier(properties?.correlationId),
    [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: undefined,
    [ATTR_FILAMENT_CONTENT_KIND]: undefined,
    [ATTR_FILAMENT_CONTENT_TRUNCATED]: undefined,
    [ATTR_FILAMENT_CONTENT_MASKED]: undefined,
  };
}

/** Adds the body (capped, masked) and its markers to a record. */
export function contentAttributes(
  rt: Runtime, attrs: LogAttributes, content: Buffer | undefined, contentType: unknown,
): string {
  const captured = captureContent(
    content, typeof contentType === 'string' ? contentType : undefined, rt.config.contentMaxBytes, rt.masker,
  );
  attrs[ATTR_MESSAGING_MESSAGE_BODY_SIZE] = captured.size;
  attrs[ATTR_FILAMENT_CONTENT_KIND] = captured.kind;
  if (captured.truncated) attrs[ATTR_FILAMENT_CONTENT_TRUNCATED] = true;
  if (captured.masked > 0) attrs[ATTR_FILAMENT_CONTENT_MASKED] = captured.masked;
  return captured.text;
}

/**
 * The attributes of a `messaging.client.sent.messages` / `.consumed.messages` point, one object per
 * destination for the life of the process instead of one per message: the SDK reads them and keeps
 * the first object it sees per attribute set, never writes to them (frozen so that nothing can).
 * Bounded, as destinations are the application's to choose.
 */
const MAX_COUNTED_DESTINATIONS = 1024;
const counterAttributesByDestination = new Map<string, Readonly<MetricAttributes>>();

function counterAttributes(destination: string): Readonly<MetricAttributes> {
  let attrs = counterAttributesByDestination.get(destination);
  if (attrs === undefined) {
    attrs = Object.freeze({
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_RABBITMQ,
      [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    });
    if (counterAttributesByDestination.size >= MAX_COUNTED_DESTINATIONS) counterAttributesByDestination.clear();
    counterAttributesByDestination.set(destination, attrs);
  }
  return attrs;
}

/** RabbitMQ semconv: `{exchange}:{routing key}` when both are set. */
function publishDestination(exchange: string, routingKey: string): string {
  if (exchange !== '' && routingKey !== '') return `${exchange}:${routingKey}`;
  return exchange !== '' ? exchange : routingKey !== '' ? routingKey : 'amq.default';
}

/**
 * publishHook for @opentelemetry/instrumentation-amqplib. `options` is the very
 * object amqplib will send, so a message id assigned here travels with the
 * message and lets publish, receive and dead-letter records be joined.
 */
export function onPublish(rt: Runtime, span: Span, info: PublishInfo): void {
  const options = info.options;
  if (rt.config.amqpAssignMessageId && options !== undefined && amqpIdentifier(options.messageId) === undefined) {
    options.messageId = randomUUID();
  }
  const destination = publishDestination(info.exchange, info.routingKey);
  const messageId = amqpIdentifier(options?.messageId);
  if (messageId !== undefined) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, messageId);
  span.setAttribute(ATTR_MESSAGING_DESTINATION_NAME, destination);
  span.setAttribute(ATTR_MESSAGING_OPERATION_TYPE, MESSAGING_OPERATION_SEND);
  if (rt.logsEnabled) {
    const attrs = queueMessageAttributes(MESSAGING_OPERATION_SEND, destination, info.routingKey, messageId, options);
    const body = contentAttributes(rt, attrs, info.content, options?.contentType);
    emitEvent(rt, EVENT_QUEUE_MESSAGE, SeverityNumber.INFO, attrs, body, trace.setSpan(context.active(), span));
  }
  rt.instruments.messagesSent.add(1, counterAttributes(destination));
}

/**
 * The trace context a delivered message belongs to: the consumer span when the
 * upstream instrumentation already made one active, else the publisher's
 * context carried in the headers.
 */
export function messageContext(headers: Record<string, unknown> | undefined): Context {
  const active = context.active();
  if (trace.getSpan(active) !== undefined) return active;
  return headers === undefined ? active : propagation.extract(ROOT_CONTEXT, headers);
}

/** Called for each delivery to an application consumer. */
export function onReceive(rt: Runtime, queue: string, msg: AmqpMessage): void {
  if (rt.logsEnabled) {
    const props = msg.properties;
    const attrs = queueMessageAttributes(
      MESSAGING_OPERATION_RECEIVE, queue, msg.fields.routingKey, amqpIdentifier(props.messageId), props);
    const body = contentAttributes(rt, attrs, msg.content, props.contentType);
    emitEvent(rt, EVENT_QUEUE_MESSAGE, SeverityNumber.INFO, attrs, body, messageContext(props.headers));
  }
  rt.instruments.messagesConsumed.add(1, counterAttributes(queue));
}
