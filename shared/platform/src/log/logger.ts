import pino, { Logger } from 'pino';

export type { Logger };

/**
 * The process logger: JSON lines on stdout, one `service` field on every line.
 * Passwords, cookies and signed identities are redacted wherever they appear in a logged request.
 */
export function createLogger(options: { service: string; level?: string; instance?: string }): Logger {
  return pino({
    level: options.level ?? 'info',
    base: {
      service: options.service,
      ...(options.instance ? { instance: options.instance } : {}),
      pid: process.pid,
    },
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-boxoffice-identity"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.currentPassword',
      ],
      censor: '[redacted]',
    },
  });
}
