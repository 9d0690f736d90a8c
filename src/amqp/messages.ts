/**
 * `queue.message` for every publish and every consumed message, with the
 * current messaging semantic-convention names (the upstream amqplib
 * instrumentation still writes the old ones on its spans).
 */
import { randomUUID } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import { captureContent } from '../events/content';
import { emitEvent, type Runtime } from '../events/runtime';
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

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
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
  let messageId = str(options?.messageId);
  if (messageId === undefined && rt.config.amqpAssignMessageId && options !== undefined) {
    messageId = randomUUID();
    options.messageId = messageId;
  }
  const destination = publishDestination(info.exchange, info.routingKey);
  const attrs: LogAttributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_RABBITMQ,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_SEND,
    [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    [ATTR_MESSAGING_RABBITMQ_ROUTING_KEY]: info.routingKey,
  };
  if (messageId !== undefined) {
    attrs[ATTR_MESSAGING_MESSAGE_ID] = messageId;
    span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, messageId);
  }
  const correlationId = str(options?.correlationId);
  if (correlationId !== undefined) attrs[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = correlationId;
  span.setAttribute(ATTR_MESSAGING_DESTINATION_NAME, destination);
  span.setAttribute(ATTR_MESSAGING_OPERATION_TYPE, MESSAGING_OPERATION_SEND);
  const body = contentAttributes(rt, attrs, info.content, options?.contentType);
  emitEvent(rt, EVENT_QUEUE_MESSAGE, SeverityNumber.INFO, attrs, body, trace.setSpan(context.active(), span));
  rt.instruments.messagesSent.add(1, {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_RABBITMQ,
    [ATTR_MESSAGING_DESTINATION_NAME]: destination,
  });
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
  const props = msg.properties;
  const attrs: LogAttributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_RABBITMQ,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_RECEIVE,
    [ATTR_MESSAGING_DESTINATION_NAME]: queue,
  };
  const routingKey = msg.fields.routingKey;
  if (routingKey !== undefined) attrs[ATTR_MESSAGING_RABBITMQ_ROUTING_KEY] = routingKey;
  const messageId = str(props.messageId);
  if (messageId !== undefined) attrs[ATTR_MESSAGING_MESSAGE_ID] = messageId;
  const correlationId = str(props.correlationId);
  if (correlationId !== undefined) attrs[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = correlationId;
  const body = contentAttributes(rt, attrs, msg.content, props.contentType);
  emitEvent(rt, EVENT_QUEUE_MESSAGE, SeverityNumber.INFO, attrs, body, messageContext(props.headers));
  rt.instruments.messagesConsumed.add(1, {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_RABBITMQ,
    [ATTR_MESSAGING_DESTINATION_NAME]: queue,
  });
}
