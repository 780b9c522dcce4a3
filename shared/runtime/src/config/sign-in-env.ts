import { z } from 'zod';

const positiveInt = z.coerce.number().int().min(1);

/**
 * The sign-in limits (enforced by the users service, docs/users.md) and the device cookie that
 * exempts a device which signed in before from the account's and the address's lockout (the
 * gateway sets it; docs/decisions/0016-device-cookies-against-lockout.md).
 */
export const signInEnvShape = {
  /** The sign-in limits' fixed window, in seconds. Default 5 minutes. */
  SIGNIN_WINDOW_SECONDS: positiveInt.default(300),
  /**
   * Failed sign-ins per client IP per window, for clients without a device cookie. Default 100:
   * far above one person's typos, low enough that spraying passwords over many accounts from one
   * address stalls; generous because many people can share one NAT address.
   */
  SIGNIN_MAX_FAILURES_PER_IP: positiveInt.default(100),
  /**
   * Failed sign-ins per email address per window, for clients without a device cookie for it.
   * Default 10: guessing one password stays hopeless.
   */
  SIGNIN_MAX_FAILURES_PER_EMAIL: positiveInt.default(10),
  /** Failed sign-ins per trusted device (a valid device cookie for the account) per window. Default 10. */
  SIGNIN_MAX_FAILURES_PER_DEVICE: positiveInt.default(10),
  /**
   * How long a device cookie lasts, in seconds (its signed lifetime and its Max-Age); every
   * successful sign-in renews it. Default 180 days: a device used twice a year stays trusted.
   */
  DEVICE_COOKIE_TTL_SECONDS: positiveInt
    .min(3600)
    .max(400 * 24 * 3600)
    .default(180 * 24 * 3600),
};
