export { IDENTITY_HEADER, signIdentity, verifyIdentity, requireIdentity } from './identity';
