import request from 'supertest';
import { CALLER_HEADER, IDENTITY_HEADER, signCaller, signIdentity } from '@boxoffice/platform';
import { ApiClient, ApiUser, Transport, newUser, signUpAndIn, uniqueEmail } from '@boxoffice/devstack';
import { encodeSession, newSession } from '../../gateway/src';
import { TEST_INTERNAL_KEY, TEST_SESSION_KEY } from './test-env';

export { uniqueEmail };

/** A gateway URL, or an in-process app (anything supertest accepts). */
export type Target = Parameters<typeof request>[0];

/** A user as the API returns it to that user. */
export type TestUser = ApiUser;

export interface SignedUpUser {
  user: TestUser;
  /** The address as given (the user's normalised one is `user.email`). */
  email: string;
  password: string;
}

/** Requests into an in-process app through supertest, for the API client. */
function inProcess(app: Target): Transport {
  return async ({ method, path, headers, body }) => {
    const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    const started = request(app)[verb](path).set(headers);
    const res = await (body === undefined
      ? started
      : started.send(typeof body === 'string' ? body : Buffer.from(body)));
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers as Record<string, string | string[]>))
      for (const one of ([] as string[]).concat(value)) out.append(name, one);
    return { status: res.status, headers: out, text: res.text };
  };
}

/** The API client for a URL or an in-process app. */
function apiClient(target: Target): ApiClient {
  return new ApiClient(typeof target === 'string' ? target : inProcess(target));
}

/** Signs a user up through POST /api/users; throws with the response unless it is 201. */
export async function signUp(
  target: Target,
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
): Promise<SignedUpUser> {
  const input = newUser(overrides);
  const user = (await apiClient(target).signUp(input))!;
  return { user, email: input.email, password: input.password };
}

/**
 * Signs in through the gateway's POST /api/sessions and returns the `sid=…` pair to send as the
 * Cookie header. Successful sign-ins do not count against the sign-in limits.
 */
export function signIn(gatewayUrl: string, email: string, password: string): Promise<string> {
  return new ApiClient(gatewayUrl).signIn(email, password);
}

/** A new user, signed in: the user, credentials, and the Cookie header value. */
export async function signUpAndSignIn(
  gatewayUrl: string,
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
): Promise<SignedUpUser & { cookie: string }> {
  const { user, email, password, cookie } = await signUpAndIn(gatewayUrl, overrides);
  return { user, email, password, cookie };
}

/** Headers that make a direct call to a service (test env) act for `userId`, as the gateway would. */
export function identityHeaders(userId: string): Record<string, string> {
  return { [IDENTITY_HEADER]: signIdentity(userId, [TEST_INTERNAL_KEY]) };
}

/**
 * Headers that make a direct call to a service's `/internal/*` (test env) pass as the gateway's,
 * acting for the client at `address`.
 */
export function callerHeaders(address = '127.0.0.1'): Record<string, string> {
  return { [CALLER_HEADER]: signCaller(address, [TEST_INTERNAL_KEY]) };
}

/**
 * A valid `sid=…` cookie for `userId`, signed with the test session key: the gateway accepts it
 * exactly like one from POST /api/sessions. For tests that need hundreds of buyers, where
 * signing each up (scrypt) would dominate; the sign-in path itself is tested in tests/users.
 */
export function sessionCookieFor(userId: string): string {
  return `sid=${encodeSession(newSession(userId, 3600), [TEST_SESSION_KEY])}`;
}
