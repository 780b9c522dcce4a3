import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { CALLER_HEADER, IDENTITY_HEADER, signCaller, signIdentity } from '@boxoffice/platform';
import { encodeSession, newSession } from '../../gateway/src';
import { TEST_INTERNAL_KEY, TEST_SESSION_KEY } from './test-env';

/** A gateway URL, or an in-process app (anything supertest accepts). */
export type Target = Parameters<typeof request>[0];

/** A user as the API returns it to that user. */
export interface TestUser {
  id: string;
  email: string;
  displayName: string;
  createdAt: string;
}

export interface SignedUpUser {
  user: TestUser;
  /** The address as given (the user's normalised one is `user.email`). */
  email: string;
  password: string;
}

/** A fresh address nobody has used: `<label>-<random>@example.test`. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}@example.test`;
}

/** Signs a user up through POST /api/users; throws with the response unless it is 201. */
export async function signUp(
  target: Target,
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
): Promise<SignedUpUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const displayName = overrides.displayName ?? 'Test User';
  const res = await request(target).post('/api/users').send({ email, password, displayName });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { user: res.body as TestUser, email, password };
}

/**
 * Signs in through the gateway's POST /api/sessions and returns the `sid=…` pair to send as the
 * Cookie header. Successful sign-ins do not count against the sign-in limits.
 */
export async function signIn(gatewayUrl: string, email: string, password: string): Promise<string> {
  const res = await request(gatewayUrl).post('/api/sessions').send({ email, password });
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const sid = setCookie.map((c) => c.split(';')[0]!).find((pair) => pair.startsWith('sid='));
  if (res.status !== 200 || !sid)
    throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return sid;
}

/** A new user, signed in: the user, credentials, and the Cookie header value. */
export async function signUpAndSignIn(
  gatewayUrl: string,
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
): Promise<SignedUpUser & { cookie: string }> {
  const signedUp = await signUp(gatewayUrl, overrides);
  return { ...signedUp, cookie: await signIn(gatewayUrl, signedUp.email, signedUp.password) };
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
