import { randomBytes } from 'node:crypto';
import { InternalAuth, signInternalToken, tokenTimes, verifyInternalToken } from '@boxoffice/platform';
import { emailKey } from '@boxoffice/sharding';

/**
 * Device tokens: what the gateway keeps in the device cookie. Subject `<emailKey>:<device id>`,
 * signed with INTERNAL_KEYS for the `device` purpose (never valid as an identity or a caller
 * header), living `ttlSeconds`. Bound to the account by the hash of its address, so a device
 * cookie of one account is no device at all for another, and the cookie does not reveal the
 * address.
 */
export class DeviceTokens {
  constructor(
    private readonly keys: InternalAuth['keys'],
    private readonly ttlSeconds: number,
  ) {}

  /** The device id in `token` if it is valid and was issued for `email` (normalised); else undefined. */
  deviceFor(token: string | undefined, email: string): string | undefined {
    const subject = verifyInternalToken('device', token, this.keys, this.ttlSeconds);
    if (subject === undefined) return undefined;
    const [account, device] = subject.split(':');
    return account === emailKey(email) && device && /^[0-9a-f]{32}$/.test(device) ? device : undefined;
  }

  /** A token for `email` on `device` (a new device when undefined), valid `ttlSeconds` from now. */
  issue(email: string, device = randomBytes(16).toString('hex')): string {
    return signInternalToken(
      'device',
      `${emailKey(email)}:${device}`,
      this.keys,
      tokenTimes(Date.now(), this.ttlSeconds),
    );
  }
}
