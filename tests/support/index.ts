export {
  createTestEnv,
  TEST_PG_URL,
  TEST_REDIS_URL,
  TEST_INTERNAL_KEY,
  TEST_SESSION_KEY,
  type TestEnv,
} from './test-env';
export { startTestStack, type TestStack } from './test-stack';
export { logTail } from '@boxoffice/devstack';
export { buildServiceInProcess, type InProcessService } from './in-process';
export { assertMatchesOpenApi, expectDocumented } from './openapi-validator';
export {
  signUp,
  signIn,
  signUpAndSignIn,
  uniqueEmail,
  identityHeaders,
  callerHeaders,
  sessionCookieFor,
  type SignedUpUser,
  type TestUser,
} from './sessions';
