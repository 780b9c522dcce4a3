/**
 * Steps that send traffic through the gateway: a purchase, every replica answering (and logging
 * under its own name), and the loadgen profile.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORTS as PORTS, SERVICE_NAMES, ServiceName } from '@boxoffice/runtime';
import type { LoadResult } from '../load/load-result';
import { ApiClient, signUpAndIn } from '../api/api-client';
import { daysFromNow } from '../api/seeding';
import { hostsAnswering, waitFor } from './gateway-probe';
import { SmokeContext, SmokeStep, assertSmoke } from './smoke-step';
import { assertMigrateRanOnce, runningContainers } from './stack-steps';

export const purchaseStep: SmokeStep = {
  name: 'purchase',
  timeoutMs: 90_000,
  async run(ctx) {
    const run = Date.now().toString(36);
    const buyer = await signUpAndIn(ctx.gatewayUrl, {
      email: `smoke-${run}@example.test`,
      displayName: 'Smoke Buyer',
    });
    const { id: eventId } = await buyer.client.createEvent({
      title: `Smoke ${run}`,
      venue: 'Load Test Arena',
      startsAt: daysFromNow(7),
      capacity: 10,
      description: 'Created by npm run compose:smoke.',
    });
    const ordered = await buyer.client.order({ eventId, quantity: 2 }, { prefer: 'wait=5' });
    const order = ordered.body;
    assertSmoke(
      (ordered.status === 201 || ordered.status === 202) && typeof order.id === 'string',
      `POST /api/orders → ${ordered.status} ${JSON.stringify(ordered.body)}`,
    );
    const orderId = order.id;
    // 202: the saga had not settled within the wait; it must settle soon after.
    const settled = await waitFor('the order to be confirmed', 30_000, async () => {
      const body = await buyer.client.getJson<{ status: string; ticketIds?: string[] }>(
        `/api/orders/${orderId}`,
      );
      if (body.status === 'pending') return undefined;
      assertSmoke(body.status === 'confirmed', `order ${orderId} ended ${JSON.stringify(body)}`);
      return body;
    });
    const event = await new ApiClient(ctx.gatewayUrl).getJson<{ seatsSold: number }>(
      `/api/events/${eventId}`,
    );
    assertSmoke(event.seatsSold === 2, `event ${eventId} has seatsSold ${event.seatsSold}, expected 2`);
    Object.assign(ctx.state, { buyer, eventId, orderId });
    return `signed up, created event ${eventId}, order ${orderId} confirmed (${settled.ticketIds?.length ?? 0} tickets, answered ${ordered.status})`;
  },
};

/** A path of each service, through the gateway, that the smoke's buyer may read. */
function pathOf(service: ServiceName, ctx: SmokeContext): string {
  const { buyer, eventId, orderId } = ctx.state;
  assertSmoke(buyer && eventId && orderId, 'the purchase step runs first');
  if (service === 'users') return `/api/users/${buyer.user.id}`;
  if (service === 'events') return `/api/events/${eventId}`;
  return `/api/orders/${orderId}`;
}

/** Every JSON log line of a container carries "instance": "<its host name>:<port>". */
async function assertLogsNameHost(ctx: SmokeContext, container: string, instance: string): Promise<void> {
  const logs = await ctx.cli.docker(['logs', container]);
  const instances = new Set(
    logs
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { instance?: string }).instance),
  );
  assertSmoke(
    instances.size === 1 && instances.has(instance),
    `container ${container.slice(0, 12)} logs instance ${[...instances].join(', ')}, expected ${instance}`,
  );
}

export const replicasStep: SmokeStep = {
  name: 'replicas',
  timeoutMs: 60_000,
  async run(ctx) {
    const lines: string[] = [];
    for (const service of SERVICE_NAMES) {
      const containers = await runningContainers(ctx, service);
      const hosts = new Set(containers.map((c) => c.Config.Hostname));
      assertSmoke(hosts.size >= 2, `${service}: ${hosts.size} running containers, expected 2`);
      const { seen, requests } = await hostsAnswering(
        `${ctx.gatewayUrl}${pathOf(service, ctx)}`,
        service,
        hosts,
        { cookie: ctx.state.buyer?.cookie, maxRequests: 20 },
      );
      assertSmoke(
        seen.size === hosts.size,
        `${service}: only ${[...seen].join(', ')} of ${[...hosts].join(', ')} answered ${requests} requests`,
      );
      for (const c of containers)
        await assertLogsNameHost(ctx, c.Id, `${c.Config.Hostname}:${PORTS[service]}`);
      lines.push(`${service} ${[...seen].join(' + ')} (${requests} requests)`);
    }
    return `${lines.join('; ')}; each logs under its own host name`;
  },
};

export const loadgenStep: SmokeStep = {
  name: 'loadgen',
  timeoutMs: 4 * 60_000,
  async run(ctx) {
    const out = join(ctx.workDir, 'loadgen');
    mkdirSync(out);
    chmodSync(out, 0o777); // the tools image writes as user node
    const services = SERVICE_NAMES.map((s) => `http://${s}:${PORTS[s]}`).join(',');
    // The profile's own command, but 10 s and results into a folder this run reads back.
    const args = ['browse', '--duration', '10', '--target', 'http://gateway:8080', '--allow-remote-target'];
    args.push('--services', services, '--no-progress', '--out', '/smoke-results');
    // It exits 2 when invariants are violated: read its result first, for the clearer message.
    const failed = await ctx.cli
      .run(['run', '--rm', '-T', '-v', `${out}:/smoke-results`, 'loadgen', ...args], this.timeoutMs)
      .then(
        () => undefined,
        (err: Error) => err,
      );
    const file = readdirSync(out).find((f) => f.endsWith('.json'));
    if (!file) throw failed ?? new Error(`loadgen wrote no result JSON into ${out}`);
    const result = JSON.parse(readFileSync(join(out, file), 'utf8')) as LoadResult;
    const { total, errors, throughput } = result.requests;
    assertSmoke(
      total > 0 && errors === 0,
      `loadgen: ${total} requests, ${errors} errors (${JSON.stringify(result.errorsByStatus)})`,
    );
    const inv = result.invariants;
    assertSmoke(inv?.checked, `loadgen: the invariants were not checked (${inv?.note ?? 'no outcome'})`);
    assertSmoke(inv.violations.length === 0, `loadgen: invariants violated: ${inv.violations.join('; ')}`);
    if (failed) throw failed;
    return `browse 10 s: ${total} requests, 0 errors, ${Math.round(throughput)} req/s; invariants hold (${inv.note}); ${await assertMigrateRanOnce(ctx)}`;
  },
};
