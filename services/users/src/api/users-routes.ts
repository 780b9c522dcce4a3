import { Router } from 'express';
import { parseInput, requireIdentity } from '@boxoffice/shared';
import { UsersDomain, getMyProfile, getPublicProfile, signUp, updateMe, verifyCredentials } from '../domain';
import { credentialsBody, signUpBody, updateMeBody } from './request-schemas';

/** The public routes (through the gateway): sign-up, profiles, and the signed-in user. */
export function usersRoutes(domain: UsersDomain, internalKeys: readonly string[]): Router {
  const router = Router();
  const signedIn = requireIdentity(internalKeys);

  router.post('/api/users', async (req, res) => {
    const user = await signUp(domain, parseInput(signUpBody, req.body));
    res.status(201).location(`/api/users/${user.id}`).json(user);
  });

  router.get('/api/users/:id', async (req, res) => {
    res.json(await getPublicProfile(domain, req.params.id));
  });

  router.get('/api/me', signedIn, async (_req, res) => {
    res.set('cache-control', 'no-store').json(await getMyProfile(domain, String(res.locals.userId)));
  });

  router.patch('/api/me', signedIn, async (req, res) => {
    const input = parseInput(updateMeBody, req.body);
    res.set('cache-control', 'no-store').json(await updateMe(domain, String(res.locals.userId), input));
  });

  return router;
}

/**
 * `POST /internal/sessions`: checks credentials for the gateway, which mints the session cookie
 * and rate-limits attempts. Not routed publicly (the gateway proxies /api only).
 */
export function credentialsRoutes(domain: UsersDomain): Router {
  const router = Router();
  router.post('/internal/sessions', async (req, res) => {
    res
      .set('cache-control', 'no-store')
      .json(await verifyCredentials(domain, parseInput(credentialsBody, req.body)));
  });
  return router;
}
