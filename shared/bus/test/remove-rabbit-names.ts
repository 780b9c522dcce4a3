import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';

const run = promisify(execFile);

/** Queue or exchange names starting with `prefix`, from rabbitmqctl (AMQP itself cannot list them). */
async function namesUnder(kind: 'queues' | 'exchanges', prefix: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', ['-q', `list_${kind}`, 'name'], { encoding: 'utf8' });
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith(prefix));
}

/**
 * Deletes every queue and exchange whose name starts with `prefix` on the RabbitMQ at `amqpUrl`:
 * how a test or a load run on the RabbitMQ bus leaves nothing behind. Needs rabbitmqctl on this
 * machine (the broker the tests use is local).
 */
export async function removeRabbitNames(amqpUrl: string, prefix: string): Promise<void> {
  const [queues, exchanges] = await Promise.all([
    namesUnder('queues', prefix),
    namesUnder('exchanges', prefix),
  ]);
  if (queues.length === 0 && exchanges.length === 0) return;
  const connection = await amqp.connect(amqpUrl);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}
