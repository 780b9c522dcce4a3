import type {
  SpanView as SpanRecord,
  TraceListView as TraceList,
  TraceSummaryView as TraceSummary,
  TraceView,
} from '../../src/admin/traces-schema';
import { esc, ms } from './format';

/** The Traces view: the latest purchases and slowest requests, and one trace as a waterfall. */
const REFRESH_MS = 2000;

let selected: string | undefined;
let pinned = false;

function summaryRow(summary: TraceSummary): string {
  const current = summary.traceId === selected ? ' selected' : '';
  return `<li><button class="trace-link${current}" data-trace-id="${esc(summary.traceId)}">
    <span class="method">${esc(summary.method)}</span> ${esc(summary.path)}
    <span class="status">${esc(summary.status ?? '')}</span>
    <b>${ms(summary.durationMs)}</b>
    <span class="when">${esc(new Date(summary.startMs).toLocaleTimeString())}</span>
  </button></li>`;
}

/** Where a span ran: the shard for a statement, topic and partition for a message, else the route. */
function whereOf(span: SpanRecord): string {
  const a = span.attributes;
  if (a['db.namespace']) return `shard ${a['db.namespace']}`;
  if (a['messaging.destination.name']) {
    const partition = a['messaging.destination.partition.id'];
    const batch = a['messaging.batch.message_count'];
    return `topic ${a['messaging.destination.name']}${partition !== undefined ? ` · partition ${partition}` : ''}${batch ? ` · batch of ${batch}` : ''}`;
  }
  return String(a['http.route'] ?? a['url.path'] ?? '');
}

function waterfall(view: TraceView): string {
  if (view.spans.length === 0) return `<p class="hint">No process holds spans of this trace any more.</p>`;
  const start = Math.min(...view.spans.map((s) => s.startMs));
  const end = Math.max(...view.spans.map((s) => s.startMs + s.durationMs));
  const total = Math.max(end - start, 0.001);
  const rows = view.spans.map((span) => {
    const x = ((span.startMs - start) / total) * 1000;
    const width = Math.max((span.durationMs / total) * 1000, 2);
    return `<tr class="span kind-${esc(span.kind)}${span.error ? ' error' : ''}" data-process="${esc(span.process)}" data-span-name="${esc(span.name)}">
      <td class="process">${esc(span.process)}</td>
      <td class="span-name" title="${esc(span.name)}">${esc(span.name)}${span.links.length ? ` <span class="links">+${span.links.length} linked</span>` : ''}</td>
      <td class="where">${esc(whereOf(span))}</td>
      <td class="bar"><svg viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true"><rect x="${x.toFixed(1)}" y="1" width="${width.toFixed(1)}" height="8"></rect></svg></td>
      <td class="duration">${ms(span.durationMs)}</td>
    </tr>`;
  });
  const missing = view.unreachable.length
    ? `<p class="reason">Not answering, their spans may be missing: ${view.unreachable.map(esc).join(', ')}</p>`
    : '';
  return `<h3>Trace <code>${esc(view.traceId)}</code> · ${ms(total)} · ${view.spans.length} spans in ${new Set(view.spans.map((s) => s.process)).size} processes</h3>
    ${missing}
    <table class="waterfall" data-trace-id="${esc(view.traceId)}">
      <thead><tr><th>process</th><th>span</th><th>where</th><th>timeline</th><th>duration</th></tr></thead>
      <tbody>${rows.join('')}</tbody>
    </table>`;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`gateway answered ${response.status}`);
  return (await response.json()) as T;
}

async function showTrace(section: HTMLElement, traceId: string): Promise<void> {
  const detail = section.querySelector<HTMLElement>('.trace-detail')!;
  detail.innerHTML = waterfall(await getJson<TraceView>(`/admin/api/traces/${traceId}`));
}

async function refresh(section: HTMLElement): Promise<void> {
  try {
    const list = await getJson<TraceList>('/admin/api/traces');
    if (!list.enabled) {
      section.querySelector('.trace-lists')!.innerHTML =
        '<p class="hint">Tracing is off in the gateway (OTEL_SDK_DISABLED=true).</p>';
      return;
    }
    // Follow the latest purchase until the reader picks a trace.
    if (!pinned) selected = list.purchases[0]?.traceId ?? list.slowest[0]?.traceId;
    section.querySelector('.trace-lists')!.innerHTML = `
      <div><h3>Latest purchases</h3><ul class="traces" data-list="purchases">${list.purchases.map(summaryRow).join('') || '<li class="hint">none yet</li>'}</ul></div>
      <div><h3>Slowest requests</h3><ul class="traces" data-list="slowest">${list.slowest.map(summaryRow).join('') || '<li class="hint">none yet</li>'}</ul></div>`;
    if (selected) await showTrace(section, selected);
  } catch (err) {
    section.querySelector('.trace-lists')!.innerHTML =
      `<p class="reason">${esc((err as Error).message)}; retrying</p>`;
  } finally {
    setTimeout(() => void refresh(section), REFRESH_MS);
  }
}

/** Mounts the view into `section` and keeps it current. */
export function startTraces(section: HTMLElement): void {
  section.innerHTML = `<h2>Traces</h2>
    <p class="hint">Sampled traces from each process's buffer of recent spans; click one to draw it.</p>
    <div class="trace-lists"></div>
    <div class="trace-detail"></div>`;
  section.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLElement>('[data-trace-id].trace-link');
    if (!button) return;
    selected = button.dataset.traceId;
    pinned = true;
    if (selected) void showTrace(section, selected);
  });
  void refresh(section);
}
