export { UserRepository } from './user-repository';
export { EmailIndexRepository, type NewClaim } from './email-index-repository';
export { ClaimOutcomeRepository } from './claim-outcome-repository';
export {
  ClaimAbandonedError,
  type ClaimOutcome,
  type EmailIndexEntry,
  type NewUser,
  type ProfileChanges,
  type UserRecord,
} from './records';
