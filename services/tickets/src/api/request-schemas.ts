/**
 * The tickets API's request schemas (and the `Prefer: wait` rule) are part of the HTTP contract in
 * @boxoffice/contracts (`shared/contracts/src/http/tickets-contract.ts`): the OpenAPI document is
 * generated from the very schemas these routes validate with.
 */
export {
  idempotencyKeyHeader,
  myTicketsQuery,
  placeOrderBody,
  preferredWaitSeconds,
} from '@boxoffice/contracts';
