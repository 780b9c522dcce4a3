/**
 * The topology page of the compose gateway (docs/topology-page.md): off in production without a
 * key, so the compose file gives it a demo one; with it, every container of every service is
 * drawn up, and the read replica with it.
 */
import type { TopologyView } from '@boxoffice/gateway';
import { waitFor } from './gateway-probe';
import { SmokeStep, assertSmoke } from './smoke-step';

/** docker-compose.yml's demo ADMIN_KEY. */
const COMPOSE_ADMIN_KEY = 'compose-demo-admin-key-replace-me-01';

export const topologyPageStep: SmokeStep = {
  name: 'topology page',
  timeoutMs: 60_000,
  async run(ctx) {
    const url = `${ctx.gatewayUrl}/admin/api/topology`;
    const anonymous = await fetch(url);
    assertSmoke(anonymous.status === 401, `${url} without the key → ${anonymous.status}, expected 401`);
    const page = await fetch(`${ctx.gatewayUrl}/admin`, { headers: { 'x-admin-key': COMPOSE_ADMIN_KEY } });
    assertSmoke(page.status === 200, `/admin with the key → ${page.status}`);
    const view = await waitFor('every instance drawn up', 40_000, async () => {
      const res = await fetch(url, { headers: { 'x-admin-key': COMPOSE_ADMIN_KEY } });
      assertSmoke(res.status === 200, `${url} with the key → ${res.status}`);
      const body = (await res.json()) as TopologyView;
      const up = body.services.every(
        (s) => s.instances.length >= 2 && s.instances.every((i) => i.state === 'up'),
      );
      return up ? body : undefined;
    });
    const replicas = view.services.flatMap((s) => s.shards.flatMap((shard) => shard.replicas));
    assertSmoke(
      replicas.length === 3,
      `${replicas.length} replicas drawn, expected the 9-f shard's of 3 services`,
    );
    const drawn = view.services.map((s) => `${s.name} ×${s.instances.length}`).join(', ');
    const replicasUp = replicas.filter((r) => r.state === 'up').length;
    return `/admin with the demo key (401 without): ${drawn} up; ${replicasUp} of 3 replicas up; bus ${view.bus.state}`;
  },
};
