export { Sessions, DEVICE_COOKIE, type SessionOptions } from './session-routes';
export { VerifiedSessions } from './verified-sessions';
export {
  SESSION_COOKIE,
  encodeSession,
  decodeSession,
  newSession,
  cookieValues,
  sessionFromCookieHeader,
  type SessionPayload,
} from './session-cookie';
export {
  POSITIONS_COOKIE,
  POSITIONS_TTL_SECONDS,
  ReadPositions,
  encodePositions,
  decodePositions,
  positionsFromCookieHeader,
} from './read-positions-cookie';
