// Jest setup file of the 'rabbitmq' project: the bus of every process this test file starts is
// the local RabbitMQ (RABBITMQ_URL overrides it). Jest gives each test file its own process.env.
process.env.BUS_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
