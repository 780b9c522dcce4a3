import type { TopologyView } from '../../src/admin/topology-schema';
import { renderTopology } from './render';
import { startTraces } from './traces';
import './style.css';

/** One request a second, the next one scheduled after the previous answered (never piling up). */
const REFRESH_MS = 1000;

const app = document.getElementById('app')!;
const status = document.getElementById('status')!;

function showStatus(text: string, ok: boolean): void {
  status.textContent = text;
  status.className = `status ${ok ? 'ok' : 'bad'}`;
}

async function refresh(): Promise<void> {
  try {
    const response = await fetch('/admin/api/topology', { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      showStatus(`gateway answered ${response.status}: ${body?.error?.message ?? ''}`, false);
      return;
    }
    const view = (await response.json()) as TopologyView;
    app.innerHTML = renderTopology(view);
    const window =
      view.windowSeconds === null ? 'first poll' : `rates over ${view.windowSeconds.toFixed(1)} s`;
    showStatus(`live · ${new Date(view.generatedAt).toLocaleTimeString()} · ${window}`, true);
    document.body.dataset.generatedAt = view.generatedAt;
  } catch (err) {
    showStatus(`gateway unreachable (${(err as Error).message}); retrying`, false);
  } finally {
    setTimeout(() => void refresh(), REFRESH_MS);
  }
}

void refresh();
startTraces(document.getElementById('traces')!);
