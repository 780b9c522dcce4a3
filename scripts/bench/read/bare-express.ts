/**
 * The baseline of `npm run bench:read`: a bare Express 5 app with one JSON route taking a path
 * parameter, answering a body shaped like an event's (about the same size). Nothing else: no
 * logging, metrics, cache or database. Run as its own process (like the stack's services):
 *
 *   PORT=<port> node --import tsx scripts/bench/read/bare-express.ts
 *
 * It prints "listening <port>" once it accepts connections and stops when its parent goes away.
 */
import express from 'express';

const port = Number(process.env.PORT ?? 0);
const app = express();

app.get('/api/events/:id', (req, res) => {
  res.json({
    id: req.params.id,
    organizerId: '7d0c1a57-52b4-4f6c-9a5e-2f6b0c3d9e11',
    title: 'Bench event',
    description: 'A body the size of a cached event, answered without any work.',
    venue: 'Load Test Arena',
    startsAt: '2027-01-01T20:00:00.000Z',
    capacity: 1000,
    seatsSold: 0,
    seatsAvailable: 1000,
    status: 'on_sale',
    version: 1,
    imageUrl: null,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
  });
});

const server = app.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
// The IPC channel closes when the parent exits, even by SIGKILL: stop with it.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
