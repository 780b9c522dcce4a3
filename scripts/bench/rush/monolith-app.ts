/**
 * The rush benchmark's baseline (`npm run bench:rush -- --baseline monolith`): one process,
 * Express 5 and one `pg` pool, selling with one statement per order. The session cookie is
 * checked like the gateway checks it, so both sides pay for an HMAC per request. Run as its own
 * process by monolith-stack.ts; it listens on 127.0.0.1:PORT and uses DATABASE_URL only.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import { Pool } from 'pg';
import { sessionFromCookieHeader } from '@boxoffice/gateway';
import { SELL } from './monolith-sql';

const port = Number(process.env.PORT);
const keys = (process.env.SESSION_KEYS ?? '').split(',').filter(Boolean);
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.POOL_MAX ?? 20),
});

function buyerOf(req: express.Request): string | undefined {
  return sessionFromCookieHeader(req.get('cookie'), keys)?.uid;
}

const app = express();
app.use(express.json());
app.get('/readyz', (_req, res) => {
  res.json({ ok: true });
});
app.post('/api/events', async (req, res) => {
  if (!buyerOf(req)) return void res.status(401).json({ error: 'unauthenticated' });
  const capacity = Number(req.body?.capacity);
  if (!Number.isInteger(capacity) || capacity < 1) return void res.status(400).json({ error: 'capacity' });
  const id = randomUUID();
  await pool.query('insert into events (id, capacity) values ($1, $2)', [id, capacity]);
  res.status(201).json({ id, capacity, seatsSold: 0 });
});
app.get('/api/events/:id', async (req, res) => {
  const { rows } = await pool.query<{ capacity: number; seats_sold: number }>(
    'select capacity, seats_sold from events where id = $1',
    [req.params.id],
  );
  if (!rows[0]) return void res.status(404).json({ error: 'not_found' });
  res.json({ id: req.params.id, capacity: rows[0].capacity, seatsSold: rows[0].seats_sold });
});
app.post('/api/orders', async (req, res) => {
  const buyerId = buyerOf(req);
  if (!buyerId) return void res.status(401).json({ error: 'unauthenticated' });
  const { eventId, quantity } = (req.body ?? {}) as { eventId?: unknown; quantity?: unknown };
  if (typeof eventId !== 'string' || !Number.isInteger(quantity) || (quantity as number) < 1)
    return void res.status(400).json({ error: 'eventId and quantity are required' });
  const id = randomUUID();
  const { rows } = await pool.query<{ status: string }>({
    ...SELL,
    values: [eventId, quantity, id, buyerId],
  });
  const confirmed = rows[0]?.status === 'confirmed';
  res
    .status(confirmed ? 201 : 409)
    .json({ id, eventId, quantity, status: rows[0]?.status, ...(confirmed ? {} : { reason: 'sold_out' }) });
});

const server = app.listen(port, '127.0.0.1');
// The parent's IPC channel closes when the bench dies, even by SIGKILL: stop with it.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
});
