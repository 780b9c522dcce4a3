import { DEFAULT_PORTS, SERVICE_NAMES, ServiceName } from '@boxoffice/runtime';
import type { ProcessSpec } from './processes';

/** A stack's ports: one per instance of each service, and the gateway's. */
export type StackPorts = Record<ServiceName, number[]> & { gateway: number };

/**
 * npm start's layout: `instances` of each service on consecutive ports from each role's first
 * port (DEFAULT_PORTS unless `first` moves it), the gateway on its own.
 */
export function consecutivePorts(
  instances: number,
  first: Partial<Record<ServiceName | 'gateway', number>> = {},
): StackPorts {
  const from = { ...DEFAULT_PORTS, ...first };
  const consecutive = (base: number) => Array.from({ length: instances }, (_, i) => base + i);
  return {
    users: consecutive(from.users),
    events: consecutive(from.events),
    tickets: consecutive(from.tickets),
    gateway: from.gateway,
  };
}

/**
 * The processes of a stack: one instance per listed port of each service, then the gateway
 * pointed at all of them. A service with no ports does not run (the gateway answers 503 for it).
 */
export function stackSpecs(ports: StackPorts, env: Record<string, string>): ProcessSpec[] {
  const specs: ProcessSpec[] = [];
  const urls = {} as Record<ServiceName, string[]>;
  for (const service of SERVICE_NAMES) {
    urls[service] = ports[service].map((port) => `http://127.0.0.1:${port}`);
    ports[service].forEach((port, i) => {
      specs.push({
        name: `${service}-${i + 1}`,
        role: service,
        port,
        url: urls[service][i]!,
        env: { ...env, PORT: String(port) },
      });
    });
  }
  specs.push({
    name: 'gateway',
    role: 'gateway',
    port: ports.gateway,
    url: `http://127.0.0.1:${ports.gateway}`,
    env: {
      ...env,
      PORT: String(ports.gateway),
      USERS_URLS: urls.users.join(','),
      EVENTS_URLS: urls.events.join(','),
      TICKETS_URLS: urls.tickets.join(','),
    },
  });
  return specs;
}
