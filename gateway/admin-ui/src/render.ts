import type {
  BusView,
  CacheView,
  InstanceView,
  ReshardView,
  ServiceView,
  ShardView,
  TopicView,
  TopologyView,
} from '../../src/admin/topology-schema';
import { esc, label, ms, num, pct, tone } from './format';

const badge = (state: string) => `<span class="badge ${tone(state)}">${esc(label(state))}</span>`;
const effect = (text: string | null) => (text ? `<p class="effect">${esc(text)}</p>` : '');
const figure = (value: string, unit: string) => `<span class="fig"><b>${value}</b> ${unit}</span>`;

function instanceCard(instance: InstanceView): string {
  const name = instance.name ?? instance.url.replace(/^https?:\/\//, '');
  return `<div class="card instance ${tone(instance.state)}" data-instance="${esc(instance.url)}" data-state="${esc(instance.state)}">
    <div class="row"><span class="name" title="${esc(instance.url)}">${esc(name)}</span>${badge(instance.state)}</div>
    <div class="row figs">${figure(num(instance.requestsPerSecond), 'req/s')}${figure(ms(instance.p99Ms), 'p99')}</div>
    ${instance.shardMapVersion === null ? '' : `<div class="row sub" data-map-version="${esc(instance.shardMapVersion)}">shard map v${esc(instance.shardMapVersion)}</div>`}
    ${instance.reason && instance.state !== 'up' ? `<p class="reason">${esc(instance.reason)}</p>` : ''}
    ${effect(instance.effect)}
  </div>`;
}

function cacheCard(cache: CacheView, service: string): string {
  if (cache.state === 'unused') {
    return `<div class="card cache unknown" data-cache="${esc(service)}" data-state="unused">
    <div class="row"><span class="name">Redis cache</span>${badge(cache.state)}</div>
    ${effect(cache.effect)}
  </div>`;
  }
  return `<div class="card cache ${tone(cache.state)}" data-cache="${esc(service)}" data-state="${esc(cache.state)}">
    <div class="row"><span class="name">Redis cache</span>${badge(cache.state)}</div>
    <div class="row figs">${figure(pct(cache.hitRatio), 'hits')}${figure(num(cache.lookupsPerSecond), 'lookups/s')}</div>
    <div class="row sub">since start: ${pct(cache.lifetimeHitRatio)} hits${
      cache.memoryLookupsPerSecond !== null
        ? ` · in-process: ${pct(cache.memoryHitRatio)} of ${num(cache.memoryLookupsPerSecond)}/s`
        : ''
    }</div>
    ${effect(cache.effect)}
  </div>`;
}

function rowsList(shard: ShardView): string {
  const tables = Object.entries(shard.rows)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3);
  if (tables.length === 0) return '';
  return `<div class="tables" title="estimated by Postgres's statistics">${tables.map(([t, n]) => `<span>${esc(t)} ≈${num(n)}</span>`).join('')}</div>`;
}

/** Exact, unlike the row estimates: what the relay has still to publish. */
function outboxLine(shard: ShardView): string {
  if (shard.outboxUnsent === null) return '';
  const count = shard.outboxUnsent >= 10_000 ? '10k+' : num(shard.outboxUnsent, 0);
  return `<div class="row sub ${shard.outboxUnsent > 0 ? 'slow' : ''}" data-outbox="${esc(shard.outboxUnsent)}">outbox: ${count} unsent</div>`;
}

function shardCard(shard: ShardView, service: string): string {
  const replicas = shard.replicas.length
    ? `<div class="replicas">${shard.replicas
        .map(
          (r) =>
            `<span class="${tone(r.state === 'not_standby' ? 'slow' : r.state)}">replica ${esc(r.host)}: ${r.lagSeconds === null ? esc(label(r.state)) : `lag ${ms(r.lagSeconds * 1000)}`}</span>`,
        )
        .join('')}</div>`
    : '';
  return `<div class="card shard ${tone(shard.state)}" data-shard="${esc(`${service}_${shard.name}`)}" data-state="${esc(shard.state)}">
    <div class="row"><span class="name">${esc(shard.range)}</span>${badge(shard.state)}</div>
    <div class="row sub" title="${esc(shard.host)}">${esc(shard.database)}${shard.reshard ? ` <span class="role" data-role="${esc(shard.reshard)}">${shard.reshard === 'target' ? 'new' : 'source'}</span>` : ''}</div>
    <div class="row figs"><span title="statements the services sent, probes and this page's own left out">${figure(num(shard.queriesPerSecond), 'q/s')}</span><span title="estimated by Postgres's statistics">${figure(num(shard.rowsTotal, 0), 'rows (est.)')}</span></div>
    <div class="row sub">query ${ms(shard.latencyMs)}</div>
    ${outboxLine(shard)}${rowsList(shard)}${replicas}
    ${shard.state !== 'up' && shard.reason ? `<p class="reason">${esc(shard.reason)}</p>` : ''}
    ${effect(shard.effect)}
  </div>`;
}

/** The phases as the page names them: the switch moves reads and writes together (one map). */
const PHASE_LABELS: Record<ReshardView['phase'], string> = {
  prepare: 'prepare',
  copy: 'copy',
  'catch-up': 'catch up',
  verify: 'verify',
  switch: 'switch reads + writes',
  switched: 'switched',
};

/** The resharding in progress: phase, rows copied, lag, where the range goes and which map comes next. */
function reshardCard(reshard: ReshardView, service: string): string {
  const phase = PHASE_LABELS[reshard.phase];
  const state = reshard.phase === 'switched' ? 'up' : reshard.running ? 'slow' : 'down';
  const lag = reshard.lag === null ? '–' : reshard.lag >= 100_000 ? '100k+' : num(reshard.lag, 0);
  const shards = reshard.newShards
    .map((s) => `<span title="${esc(s.host)}">${esc(s.range)} ${esc(s.database)}</span>`)
    .join('');
  return `<div class="card reshard ${tone(state)}" data-reshard="${esc(service)}" data-phase="${esc(reshard.phase)}" data-running="${esc(reshard.running)}">
    <div class="row"><span class="name">resharding ${esc(reshard.range)} → ${esc(reshard.moving)}</span><span class="badge ${tone(state)}">${esc(reshard.running || reshard.phase === 'switched' ? phase : `stopped: ${phase}`)}</span></div>
    <div class="row figs">${figure(num(reshard.rowsCopied, 0), 'rows copied')}<span data-lag="${esc(reshard.lag)}">${figure(lag, 'changes waiting')}</span></div>
    <div class="row sub" title="${esc(reshard.source.host)} → ${esc(reshard.target.host)}">${esc(reshard.source.database)} → ${esc(reshard.target.database)} · map v${esc(reshard.fromVersion)} → v${esc(reshard.toVersion)}${reshard.pauseMs === null ? '' : ` · writes paused ${ms(reshard.pauseMs)}`}</div>
    <div class="tables">new shards: ${shards}</div>
    ${effect(reshard.note)}
  </div>`;
}

function serviceColumn(service: ServiceView): string {
  return `<section class="service ${tone(service.state)}" data-service="${esc(service.name)}" data-state="${esc(service.state)}">
    <h2>${esc(service.name)} ${badge(service.state)}</h2>
    ${effect(service.effect)}
    <h3>instances ×${service.instances.length}</h3>
    <div class="instances">${service.instances.map(instanceCard).join('')}</div>
    ${cacheCard(service.cache, service.name)}
    <h3>Postgres shards</h3>
    ${service.reshard ? reshardCard(service.reshard, service.name) : ''}
    <div class="shards">${service.shards.map((s) => shardCard(s, service.name)).join('')}</div>
  </section>`;
}

function topicRows(topic: TopicView): string {
  const main = `<tr class="topic" data-topic="${esc(topic.name)}">
    <td><b>${esc(topic.name)}</b><br><small>${esc(topic.delivery)}${topic.partitions ? ` · ${topic.partitions} partitions` : ''}</small></td>
    <td>${num(topic.publishedPerSecond)}</td><td>${num(topic.consumedPerSecond)}</td>
    <td>${topic.delivery === 'at-most-once' ? '–' : num(topic.backlog, 0)}</td><td>${ms(topic.lagMs)}</td>
    <td>${num(topic.redeliveries, 0)}${topic.redeliveriesPerSecond ? ` <small>(${num(topic.redeliveriesPerSecond)}/s)</small>` : ''}</td>
    <td class="${topic.deadLetters > 0 ? 'bad' : ''}">${num(topic.deadLetters, 0)}</td></tr>`;
  const groups = topic.groups
    .map(
      (g) => `<tr class="group"><td>↳ ${esc(g.name)}</td>
      <td></td><td>${num(g.consumedPerSecond)}</td><td>${topic.delivery === 'at-most-once' ? '–' : `${num(g.backlog, 0)}${g.pending === null ? '' : ` <small>(${num(g.pending, 0)} pending)</small>`}`}</td><td>${ms(g.lagMs)}</td><td></td><td></td></tr>`,
    )
    .join('');
  return main + groups;
}

function busBand(bus: BusView): string {
  const table = bus.topics.length
    ? `<table><thead><tr><th>topic</th><th>published/s</th><th>consumed/s</th><th>backlog</th><th>consumer lag</th><th>redeliveries</th><th>dead letters</th></tr></thead>
      <tbody>${bus.topics.map(topicRows).join('')}</tbody></table>`
    : '<p class="sub">no topic figures</p>';
  const rabbit = bus.kind === 'rabbitmq';
  // What AMQP cannot tell, said once rather than drawn as zeros (docs/topology-page.md).
  const note = rabbit
    ? '<p class="sub">backlog: ready messages of the groups’ queues; unacknowledged ones and consumer lag are not reported over AMQP</p>'
    : '';
  return `<section class="bus ${tone(bus.state)}" data-bus data-kind="${esc(bus.kind)}" data-state="${esc(bus.state)}">
    <h2>message bus <small>${rabbit ? 'RabbitMQ' : 'Redis Streams'} · ${esc(bus.host)}</small> ${badge(bus.state)}</h2>
    ${bus.reason && bus.state !== 'up' ? `<p class="reason">${esc(bus.reason)}</p>` : ''}
    ${effect(bus.effect)}${table}${bus.topics.length ? note : ''}
  </section>`;
}

/** The whole page body for one view: gateway, then a column per service, then the bus. */
export function renderTopology(view: TopologyView): string {
  const gw = view.gateway;
  return `<section class="gateway" data-gateway>
      <h2>gateway <small>${esc(gw.name)}</small></h2>
      <div class="figs">${figure(num(gw.requestsPerSecond), 'req/s')}${figure(ms(gw.p99Ms), 'p99')}</div>
      <p class="sub">request ids · signed-cookie sessions · round-robin over instances</p>
    </section>
    <div class="services">${view.services.map(serviceColumn).join('')}</div>
    ${busBand(view.bus)}`;
}
