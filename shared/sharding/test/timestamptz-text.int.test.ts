import { Client } from 'pg';
import { timestamptzAsIsoText } from '@boxoffice/sharding';
import { PG_URL } from './test-database';

/** Instants at every width of fraction Postgres writes (it drops trailing zeros), and edges. */
const INSTANTS = [
  '2026-12-03T09:50:12.123Z',
  '2026-12-03T09:50:12.120Z',
  '2026-12-03T09:50:12.100Z',
  '2026-12-03T09:50:12.000Z',
  '2026-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '2024-02-29T12:00:00.291Z',
];

describe('timestamptzAsIsoText (timestamps read as ISO text, from a real Postgres)', () => {
  const client = new Client({ connectionString: PG_URL });

  beforeAll(() => client.connect());
  afterAll(() => client.end());

  test.each(['UTC', 'Asia/Kolkata', 'America/Los_Angeles'])(
    'when the session is in %s, then every instant reads as Date#toISOString writes it, and other columns as node-postgres parses them',
    async (zone) => {
      await client.query(`set time zone '${zone}'`);
      const { rows } = await client.query<{ at: string; n: number }>({
        text: 'select at::timestamptz(3) as at, n from unnest($1::text[]) with ordinality as t(at, n) order by n',
        values: [INSTANTS],
        types: timestamptzAsIsoText,
      });

      expect(rows.map((r) => r.at)).toEqual(INSTANTS);
      expect(rows.map((r) => r.n)).toEqual(INSTANTS.map((_, i) => String(i + 1)));
    },
  );
});
