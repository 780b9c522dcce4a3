import { AppError } from '@boxoffice/platform';
import { normalizeEmail } from '@boxoffice/sharding';
import type { UserProfile } from './user-profile';
import type { UsersDeps } from './users-deps';
import { Credentials, verifyCredentials } from './verify-credentials';

export interface SignInRequest {
  credentials: Credentials;
  /** The client's address, from the gateway's signed caller header. */
  address: string;
  /** The device cookie's value, as the gateway relayed it; anything invalid counts as none. */
  deviceToken: string | undefined;
}

export interface SignedIn {
  profile: UserProfile;
  /** A renewed (or new) device token for the gateway to keep in the device cookie. */
  deviceToken: string;
}

/**
 * The credential check behind POST /api/sessions, within the sign-in limits: a slot is reserved
 * before the password is checked (per device when the device cookie is valid for this account,
 * else per address and per account), given back on success. A refused attempt is 429
 * `rate_limited` with Retry-After; a wrong password stays a counted 401.
 */
export async function signIn(deps: UsersDeps, request: SignInRequest): Promise<SignedIn> {
  const email = normalizeEmail(request.credentials.email);
  const device = deps.devices.deviceFor(request.deviceToken, email);
  const reservation = await deps.signInLimiter.reserve({ address: request.address, email, device });
  if (!reservation.allowed) {
    throw new AppError('rate_limited', 'Too many failed sign-ins; try again later', {
      details: { retryAfterSeconds: reservation.retryAfterSeconds },
      headers: { 'retry-after': String(reservation.retryAfterSeconds) },
    });
  }
  const profile = await verifyCredentials(deps, request.credentials);
  await reservation.refund();
  return { profile, deviceToken: deps.devices.issue(email, device) };
}
