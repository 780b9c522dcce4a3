export {
  IDENTITY_HEADER,
  CALLER_HEADER,
  DEVICE_HEADER,
  DEFAULT_IDENTITY_MAX_AGE_SECONDS,
  internalAuthOf,
  signIdentity,
  verifyIdentity,
  signCaller,
  requireIdentity,
  requireInternalCaller,
  type InternalAuth,
} from './identity';
export {
  CLOCK_SKEW_SECONDS,
  signInternalToken,
  verifyInternalToken,
  tokenTimes,
  type TokenPurpose,
  type TokenTimes,
} from './internal-token';
export { signedInUser } from './signed-in-user';
export { contextMac, signedByAnyKey } from './context-mac';
