import { verifyIdentity } from '@boxoffice/platform';
import { VerifiedSessions, encodeSession, newSession } from '../../gateway/src';

const KEY = 'k'.repeat(32);
const INTERNAL = 'i'.repeat(32);
const UID = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const NOW = Date.UTC(2026, 0, 1);

describe('the gateway remembering verified session cookies', () => {
  const cookie = `sid=${encodeSession(newSession(UID, 3600, NOW), [KEY])}`;

  test('when the same cookie comes again, then the same signed identity is forwarded, and it verifies', () => {
    const sessions = new VerifiedSessions([KEY], [INTERNAL]);
    const first = sessions.identityFor(cookie, NOW);
    const again = sessions.identityFor(cookie, NOW + 1000);

    expect(again).toBe(first);
    expect(verifyIdentity(again, [INTERNAL], NOW + 1000)).toBe(UID);
  });

  test('when half the identity lifetime has passed, then a fresh identity is signed', () => {
    const sessions = new VerifiedSessions([KEY], [INTERNAL]);
    const first = sessions.identityFor(cookie, NOW);
    const later = sessions.identityFor(cookie, NOW + 31_000);

    expect(later).not.toBe(first);
    expect(verifyIdentity(later, [INTERNAL], NOW + 31_000 + 59_000)).toBe(UID);
  });

  test('when the identity lifetime is configured to 10 s, then it is re-signed after 5 s and verifies under that bound', () => {
    const sessions = new VerifiedSessions([KEY], [INTERNAL], 10);
    const first = sessions.identityFor(cookie, NOW);

    expect(sessions.identityFor(cookie, NOW + 4_000)).toBe(first);
    const later = sessions.identityFor(cookie, NOW + 5_000);
    expect(later).not.toBe(first);
    expect(verifyIdentity(later, [INTERNAL], NOW + 5_000 + 9_000, 10)).toBe(UID);
    expect(verifyIdentity(first, [INTERNAL], NOW + 11_000, 10)).toBeUndefined();
  });

  test('when a remembered session expires, then it is refused like any expired cookie', () => {
    const sessions = new VerifiedSessions([KEY], [INTERNAL]);
    const short = `sid=${encodeSession(newSession(UID, 60, NOW), [KEY])}`;

    expect(sessions.identityFor(short, NOW)).toBeDefined();
    expect(sessions.identityFor(short, NOW + 61_000)).toBeUndefined();
  });

  test('when a cookie is tampered with or signed with another key, then no identity is forwarded, twice', () => {
    const sessions = new VerifiedSessions([KEY], [INTERNAL]);
    const forged = `sid=${encodeSession(newSession(UID, 3600, NOW), ['x'.repeat(32)])}`;

    expect(sessions.identityFor(forged, NOW)).toBeUndefined();
    expect(sessions.identityFor(forged, NOW)).toBeUndefined();
    expect(sessions.identityFor(`${cookie}x`, NOW)).toBeUndefined();
    expect(sessions.identityFor(undefined, NOW)).toBeUndefined();
  });
});
