import { Router } from 'express';
import { idParam, parseInput, requireIdentity, signedInUser } from '@boxoffice/shared';
import { UsersDeps, getMyProfile, getProfile, signUp, updateMe, verifyCredentials } from '../domain';
import { credentialsBody, signUpBody, updateMeBody } from './request-schemas';
import { publicUserJson, userJson } from './user-json';

/** The public routes (through the gateway): sign-up, profiles, and the signed-in user. */
export function usersRoutes(deps: UsersDeps, internalKeys: readonly string[]): Router {
  const router = Router();
  const signedIn = requireIdentity(internalKeys);

  router.post('/api/users', async (req, res) => {
    const user = await signUp(deps, parseInput(signUpBody, req.body));
    res.status(201).location(`/api/users/${user.id}`).json(userJson(user));
  });

  router.get('/api/users/:id', async (req, res) => {
    res.json(publicUserJson(await getProfile(deps, idParam(req, 'user'))));
  });

  router.get('/api/me', signedIn, async (_req, res) => {
    res.set('cache-control', 'no-store').json(userJson(await getMyProfile(deps, signedInUser(res))));
  });

  router.patch('/api/me', signedIn, async (req, res) => {
    const input = parseInput(updateMeBody, req.body);
    res.set('cache-control', 'no-store').json(userJson(await updateMe(deps, signedInUser(res), input)));
  });

  return router;
}

/**
 * `POST /internal/sessions`: checks credentials for the gateway, which mints the session cookie
 * and rate-limits attempts. Not routed publicly (the gateway proxies /api only).
 */
export function credentialsRoutes(deps: UsersDeps): Router {
  const router = Router();
  router.post('/internal/sessions', async (req, res) => {
    const profile = await verifyCredentials(deps, parseInput(credentialsBody, req.body));
    res.set('cache-control', 'no-store').json(userJson(profile));
  });
  return router;
}
