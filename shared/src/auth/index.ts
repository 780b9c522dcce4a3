export { IDENTITY_HEADER, signIdentity, verifyIdentity, requireIdentity } from './identity';
export { signedInUser } from './signed-in-user';
