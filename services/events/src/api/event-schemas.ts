/**
 * The events API's request schemas are part of the HTTP contract in @boxoffice/contracts
 * (`shared/contracts/src/http/events-contract.ts`): the OpenAPI document is generated from the
 * very schemas these routes validate with, so a limit is written once.
 */
export { createEventBody, listEventsQuery, updateEventBody } from '@boxoffice/contracts';
