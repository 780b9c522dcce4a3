import { Router } from 'express';
import {
  DEVICE_HEADER,
  InternalAuth,
  idParam,
  parseInput,
  requireIdentity,
  signedInUser,
} from '@boxoffice/platform';
import { UsersDeps, getMyProfile, getProfile, signIn, signUp, updateMe } from '../domain';
import { credentialsBody, signUpBody, updateMeBody } from './request-schemas';
import { publicUserJson, userJson } from './user-json';

/** The public routes (through the gateway): sign-up, profiles, and the signed-in user. */
export function usersRoutes(deps: UsersDeps, auth: InternalAuth): Router {
  const router = Router();
  const signedIn = requireIdentity(auth);

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
 * `POST /internal/sessions`: checks credentials for the gateway, which mints the session cookie,
 * within the sign-in limits (counted here, so they hold whoever calls). Not routed publicly (the
 * gateway proxies /api only), and only for callers with the gateway's signed caller header
 * (createServiceApp), whose subject is the client's address. The device token comes and goes in
 * DEVICE_HEADER; the gateway keeps it in the device cookie.
 */
export function credentialsRoutes(deps: UsersDeps): Router {
  const router = Router();
  router.post('/internal/sessions', async (req, res) => {
    const credentials = parseInput(credentialsBody, req.body);
    const address = String(res.locals.callerAddress);
    const { profile, deviceToken } = await signIn(deps, {
      credentials,
      address,
      deviceToken: req.get(DEVICE_HEADER),
    });
    res.set('cache-control', 'no-store').set(DEVICE_HEADER, deviceToken).json(userJson(profile));
  });
  return router;
}
