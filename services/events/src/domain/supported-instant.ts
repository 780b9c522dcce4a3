/**
 * Instants from 1970 through 9999 (UTC): the HTTP contract refuses others with a 400, and the
 * listing cursor applies the same rule, so it is defined once in @boxoffice/contracts.
 */
export { isSupportedInstant } from '@boxoffice/contracts';
