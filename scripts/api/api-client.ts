/**
 * The one client of the public API for seeding, load runs, benchmarks and tests: sign-up,
 * sign-in, events and orders. It keeps the cookies the gateway sets (the session `sid`, the
 * read-positions cookie `sidpos`) and sends them back, as a browser does, and turns an answer a
 * step did not expect into an ApiError that names the request and quotes the answer.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type {
  EventView,
  OrderView,
  UserView,
  createEventBody,
  placeOrderBody,
  signUpBody,
} from '@boxoffice/contracts';

/** What a request answered: its status, its body (parsed JSON, else the text) and its headers. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** An answer a step did not expect: `POST /api/users → 409 {"error":…}`. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
    super(`${method} ${path} → ${status} ${text.slice(0, 200)}`);
  }
}

/** One request as a transport sends it: the body already serialised. */
export interface TransportRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/**
 * How requests reach the API: over HTTP to a base URL (the default), or, in tests, into an app
 * in this process (tests/support builds one with supertest).
 */
export type Transport = (
  req: TransportRequest,
) => Promise<{ status: number; headers: Headers; text: string }>;

/** Requests over HTTP to `baseUrl`, each given up after `timeoutMs`. */
export function httpTransport(baseUrl: string, timeoutMs = 30_000): Transport {
  const base = baseUrl.replace(/\/$/, '');
  return async (req) => {
    const res = await fetch(`${base}${req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
}

/** The `sid=…` pair among Set-Cookie lines, to send back as Cookie. */
export function sessionCookieOf(setCookie: readonly string[]): string | undefined {
  return setCookie.map((line) => line.split(';')[0]!).find((pair) => pair.startsWith('sid='));
}

/** The API's own types, from its contract: a user as that user sees it, and what the writes take. */
export type ApiUser = UserView;
export type SignUpInput = z.input<typeof signUpBody>;
export type EventInput = z.input<typeof createEventBody>;
export type OrderInput = z.input<typeof placeOrderBody>;

export interface ApiClientOptions {
  /**
   * False drops the read-positions cookie from every request: read-your-writes pinning off, as
   * the services see it (they get no positions and treat the reader like anyone else).
   */
  positions?: boolean;
  /** A Cookie header to start with, e.g. a session "sid=…" minted elsewhere. */
  cookie?: string;
  /** Per request, over HTTP; default 30 s. */
  timeoutMs?: number;
}

/** A response body: its JSON, else its text (undefined when empty). */
export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class ApiClient {
  private readonly cookies = new Map<string, string>();
  private readonly transport: Transport;
  private readonly positions: boolean;

  /** `target`: the gateway's (or a service's) base URL, or a transport of the caller's. */
  constructor(target: string | Transport, options: ApiClientOptions = {}) {
    this.transport = typeof target === 'string' ? httpTransport(target, options.timeoutMs) : target;
    this.positions = options.positions ?? true;
    for (const pair of (options.cookie ?? '').split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  /** The Cookie header this client sends now. */
  cookieHeader(): string {
    return [...this.cookies]
      .filter(([name]) => this.positions || name !== 'sidpos')
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  private absorb(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /max-age=0\b/i.test(line) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /**
   * One request with this client's cookies; whatever it answers. A body that is a Uint8Array is
   * sent as it is (name its content-type in `headers`), anything else as JSON.
   */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const cookie = this.cookieHeader();
    const raw = body instanceof Uint8Array;
    const res = await this.transport({
      method,
      path,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body === undefined || raw ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
    this.absorb(res.headers);
    return { status: res.status, body: parseBody(res.text) as T, headers: res.headers };
  }

  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, undefined, headers);
  }

  /** A request that must answer one of `expect` (default 200); else an ApiError. */
  async expect<T = unknown>(
    expected: readonly number[],
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>> {
    const res = await this.request<T>(method, path, body, headers);
    if (!expected.includes(res.status)) throw new ApiError(method, path, res.status, res.body);
    return res;
  }

  /** GET that must answer 200 (e.g. to warm a cache before measuring); its body. */
  async getJson<T = unknown>(path: string): Promise<T> {
    return (await this.expect<T>([200], 'GET', path)).body;
  }

  /**
   * POST /api/users: the new user (201). `existing: 'ok'` also takes 409 (the address is taken,
   * e.g. seeded before) and then returns undefined.
   */
  async signUp(input: SignUpInput, options: { existing?: 'ok' } = {}): Promise<ApiUser | undefined> {
    const res = await this.expect<ApiUser>(
      options.existing === 'ok' ? [201, 409] : [201],
      'POST',
      '/api/users',
      input,
    );
    return res.status === 201 ? res.body : undefined;
  }

  /** POST /api/sessions: signs this client in and returns the `sid=…` pair for a Cookie header. */
  async signIn(email: string, password: string): Promise<string> {
    const res = await this.expect([200], 'POST', '/api/sessions', { email, password });
    const sid = sessionCookieOf(res.headers.getSetCookie());
    if (!sid) throw new ApiError('POST', '/api/sessions', res.status, 'no sid cookie set');
    return sid;
  }

  /** POST /api/events as the signed-in user: the event (201). */
  async createEvent(input: EventInput): Promise<EventView> {
    return (await this.expect<EventView>([201], 'POST', '/api/events', input)).body;
  }

  /** PUT /api/events/:id/image: the event with its imageUrl (200). */
  async putEventImage(eventId: string, image: Uint8Array, contentType: string): Promise<EventView> {
    const path = `/api/events/${eventId}/image`;
    return (await this.expect<EventView>([200], 'PUT', path, image, { 'content-type': contentType })).body;
  }

  /**
   * POST /api/orders as the signed-in user; whatever it answers: the order (201 confirmed or
   * rejected, 202 pending), or an error body.
   */
  order(input: OrderInput, headers: Record<string, string> = {}): Promise<ApiResponse<Partial<OrderView>>> {
    return this.request<Partial<OrderView>>('POST', '/api/orders', input, headers);
  }
}

/** A fresh address nobody has used: `<label>-<random>@example.test`. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}@example.test`;
}

/** A user signed up and in, with the client that holds its session. */
export interface SignedInUser {
  user: ApiUser;
  email: string;
  password: string;
  /** `sid=…`, for a Cookie header of another client (a load run's pool, a raw request). */
  cookie: string;
  client: ApiClient;
}

/** A sign-up with what is not given made up: a unique address, a random password, "Test User". */
export function newUser(input: Partial<SignUpInput> = {}): SignUpInput {
  return {
    email: input.email ?? uniqueEmail(),
    password: input.password ?? `pw-${randomBytes(8).toString('hex')}`,
    displayName: input.displayName ?? 'Test User',
  };
}

/** A new user (see newUser), signed up and signed in through the API. */
export async function signUpAndIn(
  target: string | ApiClient,
  input: Partial<SignUpInput> = {},
): Promise<SignedInUser> {
  const client = typeof target === 'string' ? new ApiClient(target) : target;
  const { email, password, displayName } = newUser(input);
  const user = (await client.signUp({ email, password, displayName }))!;
  return { user, email, password, cookie: await client.signIn(email, password), client };
}
