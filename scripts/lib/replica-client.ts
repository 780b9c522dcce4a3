/**
 * A minimal browser for read-your-writes experiments: keeps the cookies the gateway sets (the
 * session `sid` and the positions cookie `sidpos`) and sends them back, like a browser would.
 * `positions: false` drops the positions cookie on every request: pinning off, as seen by the
 * services (they get no positions and treat the reader like anyone else).
 */
export interface BrowserResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

export class CookieBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly options: { positions: boolean } = { positions: true },
  ) {}

  /** The Cookie header this browser sends now. */
  cookieHeader(): string {
    return [...this.cookies]
      .filter(([name]) => this.options.positions || name !== 'sidpos')
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

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<BrowserResponse> {
    const cookie = this.cookieHeader();
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    this.absorb(res.headers);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string, headers?: Record<string, string>): Promise<BrowserResponse> {
    return this.request('GET', path, undefined, headers);
  }
}
