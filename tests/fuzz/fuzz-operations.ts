import fc from 'fast-check';
import type { FuzzRequest } from './fuzz-kit';
import {
  anyContentType,
  anyCookie,
  anyCursor,
  anyEncoding,
  anyId,
  anyInstant,
  anyJson,
  anyJsonBody,
  anyText,
  futureInstant,
  headerText,
  pct,
} from './fuzz-inputs';

/** What the fuzzer's requests refer to: real users, an event, an order and a ticket, made first. */
export interface FuzzWorld {
  /** Session cookies: the organizer's, the buyer's, a stranger's (a valid session, no data). */
  organizerCookie: string;
  buyerCookie: string;
  strangerCookie: string;
  /** A signed-up user the sign-in operation can name. */
  email: string;
  password: string;
  userIds: string[];
  eventIds: string[];
  orderIds: string[];
  ticketIds: string[];
  eventCursors: string[];
  ticketCursors: string[];
  /** A valid PNG for image uploads. */
  png: Buffer;
}

/** How to fuzz one operation: any input at all, and (for writes) inputs that must be refused. */
export interface OperationFuzz {
  any: fc.Arbitrary<FuzzRequest>;
  /** Inputs with something surely wrong (auth, shape, size, type): must be a 4xx changing nothing. */
  refused?: fc.Arbitrary<FuzzRequest>;
}

type Parts = { path: string; query?: string; headers?: Record<string, string | undefined>; body?: Buffer };

function request(operation: string, parts: Parts): FuzzRequest {
  const [method] = operation.split(' ');
  const headers = Object.fromEntries(
    Object.entries(parts.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return {
    operation,
    method: method!,
    url: parts.query ? `${parts.path}?${parts.query}` : parts.path,
    headers,
    body: parts.body,
  };
}

/** A query string from optional parameters, sometimes with a parameter repeated or unknown. */
function anyQuery(params: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const entries = Object.entries(params).map(([name, value]) =>
    fc.option(
      value.map((v) => `${name}=${pct(v)}`),
      { nil: undefined },
    ),
  );
  const extra = fc.constantFrom(
    undefined,
    'limit=1&limit=2',
    'unknown=1',
    'cursor[]=x',
    '%zz=1',
    `x=${'y'.repeat(5000)}`,
  );
  return fc
    .tuple(fc.tuple(...entries), extra)
    .map(([parts, more]) => [...parts, more].filter((p): p is string => p !== undefined).join('&'));
}

/** A JSON write: cookie, content type, encoding and body all generated. */
function jsonWrite(
  operation: string,
  path: fc.Arbitrary<string>,
  cookies: fc.Arbitrary<string | undefined>,
  valid: fc.Arbitrary<Record<string, unknown>>,
  extraHeaders: fc.Arbitrary<Record<string, string | undefined>> = fc.constant({}),
): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({ path, cookie: cookies, type: anyContentType, body: anyJsonBody(valid), extra: extraHeaders })
    .chain(({ path: p, cookie, type, body, extra }) =>
      anyEncoding(body).map((encoded) =>
        request(operation, {
          path: p,
          headers: { cookie, 'content-type': type, ...encoded.headers, ...extra },
          body: encoded.body,
        }),
      ),
    );
}

/** A JSON write that is surely refused: a broken session, or a body with one thing wrong. */
function refusedJsonWrite(
  operation: string,
  path: fc.Arbitrary<string>,
  goodCookie: string | undefined,
  brokenSession: fc.Arbitrary<string | undefined>,
  valid: fc.Arbitrary<Record<string, unknown>>,
  wrongBody: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<FuzzRequest> {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const badSession = fc.record({ path, cookie: brokenSession, body: valid.map(json) });
  const badBody = fc.record({
    path,
    cookie: fc.constant(goodCookie),
    body: fc.oneof(
      wrongBody.map(json),
      fc.constantFrom('{', '[]', 'null', '"x"').map((t) => Buffer.from(t)),
      fc.constant(Buffer.from(JSON.stringify({ pad: 'a'.repeat(2_000_000) }))),
    ),
  });
  return fc
    .oneof(...(goodCookie ? [badSession, badBody] : [badBody]))
    .map(({ path: p, cookie, body }) =>
      request(operation, { path: p, headers: { cookie, 'content-type': 'application/json' }, body }),
    );
}

/**
 * The valid body with one thing surely wrong (a field of the wrong type, a required one missing,
 * an unknown one): `mutatedBody` may replace a value by another valid one, this never does.
 */
function wrongTyped(
  valid: fc.Arbitrary<Record<string, unknown>>,
  required: string[],
): fc.Arbitrary<Record<string, unknown>> {
  return valid.chain((body) =>
    fc.oneof(
      fc
        .record({ key: fc.constantFrom(...Object.keys(body)), value: fc.constantFrom(null, [], {}, true) })
        .map(({ key, value }) => ({ ...body, [key]: value })),
      fc
        .constantFrom(...required)
        .map((key) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key))),
      fc.string({ minLength: 1, maxLength: 10 }).map((k) => ({ ...body, [`unknown_${k}`]: 1 })),
    ),
  );
}

/** Every operation in the OpenAPI document, with its generators. */
export function fuzzOperations(world: FuzzWorld): Record<string, OperationFuzz> {
  const cookies = anyCookie([world.organizerCookie, world.buyerCookie, world.strangerCookie]);
  // No session, or one that is expired, tampered or signed with another key: never a valid one.
  const brokenSession = anyCookie([world.strangerCookie]).filter(
    (c) => c === undefined || !c.startsWith(world.strangerCookie),
  );
  const eventId = anyId(world.eventIds).map(pct);
  const orderId = anyId(world.orderIds).map(pct);
  const ticketId = anyId(world.ticketIds).map(pct);
  const userId = anyId(world.userIds).map(pct);

  const signUp = fc.record({
    email: fc.oneof(
      fc.uuid().map((u) => `fz-${u}@example.test`),
      fc.constant(world.email),
      anyText,
    ),
    password: fc.oneof(fc.constant('correct horse battery staple'), anyText),
    displayName: fc.oneof(fc.constant('Fuzz'), anyText),
  });
  const validSignUp = fc.uuid().map((u) => ({
    email: `fz-${u}@example.test`,
    password: 'correct horse battery staple',
    displayName: 'Fuzz',
  }));
  const credentials = fc.record({
    email: fc.oneof(fc.constant(world.email), anyText),
    password: fc.oneof(fc.constant(world.password), anyText),
  });
  const event = fc.record({
    title: fc.oneof(fc.constant('Fuzz night'), anyText),
    venue: fc.oneof(fc.constant('Hall F'), anyText),
    startsAt: fc.oneof(futureInstant(), anyInstant),
    capacity: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(0, 1_000_001, -1, 1.5)),
    description: fc.oneof(fc.constant(''), anyText),
  });
  const validEvent = fc.record({
    title: fc.constant('Fuzz night'),
    venue: fc.constant('Hall F'),
    startsAt: futureInstant(),
    capacity: fc.integer({ min: 1, max: 100 }),
  });
  const eventPatch = fc.record(
    {
      title: anyText,
      venue: anyText,
      startsAt: anyInstant,
      capacity: fc.oneof(fc.integer({ min: 0, max: 1_000_001 }), anyJson),
      description: anyText,
      status: fc.oneof(fc.constantFrom('draft', 'on_sale'), anyText),
    },
    { requiredKeys: [] },
  );
  const validPatch = fc.record({ title: fc.constant('Fuzz night, again') });
  const orderBody = fc.record({
    eventId: fc.oneof(fc.constantFrom(...world.eventIds), fc.uuid(), anyText),
    quantity: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom(0, 11, -1, 1.5, 2 ** 53)),
  });
  const validOrder = fc.record({
    eventId: fc.constantFrom(...world.eventIds),
    quantity: fc.integer({ min: 1, max: 2 }),
  });
  const meBody = fc.record(
    {
      displayName: anyText,
      email: fc.oneof(
        fc.uuid().map((u) => `fz-${u}@example.test`),
        anyText,
      ),
      password: fc.oneof(fc.constant('another horse battery'), anyText),
      currentPassword: anyText,
    },
    { requiredKeys: [] },
  );
  const validMe = fc.constant({ displayName: 'Fuzz' });
  const ifMatch = fc
    .constantFrom(undefined, '"1"', '"999"', '*', 'W/"1"', 'garbage')
    .map((v) => ({ 'if-match': v }));
  const preferAndKey = fc
    .record({
      prefer: fc.constantFrom(undefined, 'wait=0', 'wait=99999999', 'wait=-1', 'respond-async'),
      key: fc.option(headerText, { nil: undefined }),
    })
    .map(({ prefer, key }) => ({ prefer, 'idempotency-key': key }));
  const image = fc.record({
    path: eventId.map((id) => `/api/events/${id}/image`),
    cookie: cookies,
    type: fc.constantFrom(
      'image/png',
      'image/jpeg',
      'image/webp',
      'image/gif',
      'application/json',
      undefined,
    ),
    body: fc.oneof(
      fc.constant(world.png),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.constant(world.png.subarray(0, 40)),
    ),
  });

  /** An operation without a body; the path is the template's unless it has parameters. */
  const plain = (
    operation: string,
    path: fc.Arbitrary<string> = fc.constant(operation.split(' ')[1]!),
    query: fc.Arbitrary<string> = fc.constant(''),
  ): OperationFuzz => ({
    any: fc
      .record({
        path,
        query,
        cookie: cookies,
        accept: fc.oneof(fc.constantFrom(undefined, '*/*', 'text/html', 'application/xml'), headerText),
      })
      .map(({ path: p, query: q, cookie, accept }) =>
        request(operation, { path: p, query: q, headers: { cookie, accept } }),
      ),
  });
  /** An operation with a JSON body: any input, and refusals built from `valid` with one thing wrong. */
  const jsonOperation = (
    operation: string,
    spec: {
      body: fc.Arbitrary<Record<string, unknown>>;
      valid: fc.Arbitrary<Record<string, unknown>>;
      required: string[];
      /** The session the refusals with a wrong body use (none: the operation needs none). */
      cookie?: string;
      path?: fc.Arbitrary<string>;
      refusedPath?: fc.Arbitrary<string>;
      badCookies?: fc.Arbitrary<string | undefined>;
      headers?: fc.Arbitrary<Record<string, string | undefined>>;
    },
  ): OperationFuzz => {
    const path = spec.path ?? fc.constant(operation.split(' ')[1]!);
    return {
      any: jsonWrite(operation, path, cookies, spec.body, spec.headers),
      refused: refusedJsonWrite(
        operation,
        spec.refusedPath ?? path,
        spec.cookie,
        spec.badCookies ?? brokenSession,
        spec.valid,
        wrongTyped(spec.valid, spec.required),
      ),
    };
  };
  const ownEvent = `/api/events/${world.eventIds[0]}`;
  const notTheOrganizer = fc.oneof(brokenSession, fc.constant(world.strangerCookie));

  return {
    'GET /healthz': plain('GET /healthz'),
    'GET /readyz': plain('GET /readyz'),
    'GET /metrics': plain('GET /metrics'),
    'GET /api/openapi.json': plain('GET /api/openapi.json'),
    'GET /api/docs': plain('GET /api/docs'),
    'GET /api/docs/init.js': plain('GET /api/docs/init.js'),
    'GET /admin': plain('GET /admin'),
    'GET /admin/api/topology': plain('GET /admin/api/topology'),
    'GET /admin/api/traces': plain('GET /admin/api/traces'),
    'GET /admin/api/traces/{traceId}': plain(
      'GET /admin/api/traces/{traceId}',
      fc
        .oneof(
          fc.stringMatching(/^[0-9a-f]{32}$/),
          fc.stringMatching(/^[0-9A-F]{32}$/),
          anyId(['0af7651916cd43dd8448eb211c80319c']),
        )
        .map((id) => `/admin/api/traces/${pct(id)}`),
    ),
    'POST /api/sessions': jsonOperation('POST /api/sessions', {
      body: credentials,
      valid: credentials,
      required: ['email', 'password'],
    }),
    'DELETE /api/sessions': plain('DELETE /api/sessions'),
    'POST /api/users': jsonOperation('POST /api/users', {
      body: signUp,
      valid: validSignUp,
      required: ['email', 'password', 'displayName'],
    }),
    'GET /api/users/{id}': plain(
      'GET /api/users/{id}',
      userId.map((id) => `/api/users/${id}`),
    ),
    'GET /api/me': plain('GET /api/me'),
    'PATCH /api/me': jsonOperation('PATCH /api/me', {
      body: meBody,
      valid: validMe,
      required: ['displayName'],
      cookie: world.buyerCookie,
    }),
    'POST /api/events': jsonOperation('POST /api/events', {
      body: event,
      valid: validEvent,
      required: ['title', 'venue', 'startsAt', 'capacity'],
      cookie: world.organizerCookie,
    }),
    'GET /api/events': plain(
      'GET /api/events',
      undefined,
      anyQuery({
        limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), anyText),
        cursor: anyCursor(world.eventCursors, 's'),
        from: anyInstant,
        to: anyInstant,
      }),
    ),
    'GET /api/events/{id}': plain(
      'GET /api/events/{id}',
      eventId.map((id) => `/api/events/${id}`),
    ),
    'PATCH /api/events/{id}': jsonOperation('PATCH /api/events/{id}', {
      body: eventPatch,
      valid: validPatch,
      required: ['title'],
      cookie: world.organizerCookie,
      path: eventId.map((id) => `/api/events/${id}`),
      refusedPath: fc.constant(ownEvent),
      badCookies: notTheOrganizer,
      headers: ifMatch,
    }),
    'PUT /api/events/{id}/image': {
      any: image.map(({ path, cookie, type, body }) =>
        request('PUT /api/events/{id}/image', { path, headers: { cookie, 'content-type': type }, body }),
      ),
      refused: notTheOrganizer.map((cookie) =>
        request('PUT /api/events/{id}/image', {
          path: `${ownEvent}/image`,
          headers: { cookie, 'content-type': 'image/png' },
          body: world.png,
        }),
      ),
    },
    'GET /api/events/{id}/image': plain(
      'GET /api/events/{id}/image',
      eventId.map((id) => `/api/events/${id}/image`),
      anyQuery({
        w: fc.oneof(fc.constantFrom('160', '320', '640', '1280', '0', '99999'), anyText),
        v: fc.oneof(fc.integer({ min: -1, max: 3 }).map(String), anyText),
      }),
    ),
    'DELETE /api/events/{id}/image': {
      ...plain(
        'DELETE /api/events/{id}/image',
        eventId.map((id) => `/api/events/${id}/image`),
      ),
      refused: notTheOrganizer.map((cookie) =>
        request('DELETE /api/events/{id}/image', { path: `${ownEvent}/image`, headers: { cookie } }),
      ),
    },
    'POST /api/orders': jsonOperation('POST /api/orders', {
      body: orderBody,
      valid: validOrder,
      required: ['eventId', 'quantity'],
      cookie: world.buyerCookie,
      headers: preferAndKey,
    }),
    'GET /api/orders/{id}': plain(
      'GET /api/orders/{id}',
      orderId.map((id) => `/api/orders/${id}`),
    ),
    'GET /api/me/tickets': plain(
      'GET /api/me/tickets',
      undefined,
      anyQuery({
        limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), anyText),
        cursor: anyCursor(world.ticketCursors, 'c'),
      }),
    ),
    'GET /api/tickets/{id}': plain(
      'GET /api/tickets/{id}',
      ticketId.map((id) => `/api/tickets/${id}`),
    ),
    'POST /api/tickets/{id}/cancel': {
      ...plain(
        'POST /api/tickets/{id}/cancel',
        ticketId.map((id) => `/api/tickets/${id}/cancel`),
      ),
      // Someone else's ticket, or no valid session: 401 or 404, and the ticket stays active.
      refused: fc
        .record({
          cookie: fc.oneof(notTheOrganizer, fc.constant(world.organizerCookie)),
          id: fc.constantFrom(...world.ticketIds),
        })
        .map(({ cookie, id }) =>
          request('POST /api/tickets/{id}/cancel', {
            path: `/api/tickets/${id}/cancel`,
            headers: { cookie },
          }),
        ),
    },
  };
}
