/**
 * The users API's request schemas are part of the HTTP contract in @boxoffice/contracts
 * (`shared/contracts/src/http/users-contract.ts`): the OpenAPI document is generated from the very
 * schemas these routes validate with, so a limit is written once.
 */
export { credentialsBody, signUpBody, updateMeBody } from '@boxoffice/contracts';
