export { createBus, RedisBus, type Bus, type BusOptions, type BatchMessage } from './redis-bus';
export { type Envelope, type OutgoingMessage, parseEnvelope, MalformedEnvelopeError } from './envelope';
export { BusFullError, isBusFullError, BusClosedError, TopicMismatchError } from './bus-errors';
export { partitionOf } from './partition';
export { TOPIC_DEFAULTS, type TopicOptions, type Delivery } from './topic-options';
export {
  SUBSCRIBE_DEFAULTS,
  type SubscribeOptions,
  type Subscription,
  type MessageHandler,
  type BatchMessageHandler,
  type DeliveryContext,
} from './subscribe-options';
