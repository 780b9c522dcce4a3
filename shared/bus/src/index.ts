export { createBus, busBackendOf } from './create-bus';
export { type Bus, type ServiceBus, type BusOptions, type BatchMessage } from './bus-contract';
export { RedisBus, createRedisBus, type RedisBusOptions } from './redis-bus';
export { RabbitBus } from './rabbit-bus';
export { type Envelope, type OutgoingMessage, parseEnvelope, MalformedEnvelopeError } from './envelope';
export {
  BusFullError,
  isBusFullError,
  BusClosedError,
  BusUnroutableError,
  BusUnconfirmedError,
  TopicMismatchError,
} from './bus-errors';
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
export {
  busCountsSchema,
  busStatsSchema,
  type BusCounts,
  type BusStats,
  type TopicStats,
} from './bus-stats-schema';
export * from './outbox';
