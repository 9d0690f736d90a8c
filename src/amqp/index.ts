/**
 * What the rest of src uses of amqp/: Filament's amqplib instrumentation
 * (instrumentation.ts), the publish hook upstream's instrumentation calls
 * (messages.ts), and x-death parsing (deadLetterTap.ts), which the responder
 * shares.
 */
export { FilamentAmqplibInstrumentation } from './instrumentation';
export { onPublish, type PublishInfo } from './messages';
export { latestDeath } from './deadLetterTap';
