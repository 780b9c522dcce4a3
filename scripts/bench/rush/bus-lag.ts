import { Agent, request } from 'undici';

/**
 * Mean publish-to-handle lag per topic, from a service's own /metrics: which hop of the saga
 * the time is spent waiting in (the outbox is included: occurredAt is when the row was written).
 */
export async function busLag(serviceUrl: string, agent: Agent): Promise<string[]> {
  const res = await request(`${serviceUrl}/metrics`, { dispatcher: agent });
  const text = await res.body.text();
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^bus_publish_to_handle_seconds_(sum|count)\{([^}]*)\} ([\d.e+-]+)$/gm)) {
    const topic = /topic="([^"]+)"/.exec(match[2]!)?.[1] ?? '?';
    (match[1] === 'sum' ? sums : counts).set(topic, Number(match[3]));
  }
  /** Sums a counter's samples per topic. */
  const perTopic = (metric: string): Map<string, number> => {
    const found = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${metric}{`)) continue;
      const topic = /topic="([^"]+)"/.exec(line)?.[1] ?? '?';
      found.set(topic, (found.get(topic) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    return found;
  };
  const failures = perTopic('bus_handler_failures_total');
  const redelivered = perTopic('bus_messages_redelivered_total');
  return [...counts].map(
    ([topic, n]) =>
      `${topic}: ${n} messages, mean lag ${((1000 * (sums.get(topic) ?? 0)) / Math.max(1, n)).toFixed(0)} ms, ` +
      `${failures.get(topic) ?? 0} handler failures, ${redelivered.get(topic) ?? 0} redeliveries`,
  );
}
