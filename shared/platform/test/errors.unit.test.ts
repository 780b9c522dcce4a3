import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import {
  AppError,
  ERROR_CATALOGUE,
  errorMiddleware,
  idParam,
  newId,
  parseInput,
  toAppError,
} from '@boxoffice/platform';

describe('errors', () => {
  test('when an AppError is built, then its status comes from the one catalogue', () => {
    const error = new AppError('email_taken', 'That email is taken', { details: { field: 'email' } });
    expect(error.status).toBe(409);
    expect(error.toBody()).toEqual({
      error: { code: 'email_taken', message: 'That email is taken', details: { field: 'email' } },
    });
  });

  test('when input fails a schema, then validation_failed names every bad field', () => {
    const schema = z.strictObject({ email: z.email(), age: z.number().int() });
    let thrown: unknown;
    try {
      parseInput(schema, { email: 'nope', age: 1.5, extra: true });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const body = (thrown as AppError).toBody();
    expect(body.error.code).toBe('validation_failed');
    const paths = (body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['body', 'body.age', 'body.email']);
  });

  test('when an unknown error is mapped, then it is a bare 500 with no internals', () => {
    const mapped = toAppError(new Error('password=hunter2 at db.ts:42'));
    expect(mapped.status).toBe(500);
    expect(JSON.stringify(mapped.toBody())).not.toContain('hunter2');
  });

  test('when the catalogue is read, then every status is a 4xx or 5xx', () => {
    for (const status of Object.values(ERROR_CATALOGUE)) expect(status >= 400 && status < 600).toBe(true);
  });
});

describe('errors Express raises for a client mistake', () => {
  test('when a path has a bad percent-encoding, then the URIError (status 400) becomes not_found, not 500', () => {
    const uriError = Object.assign(new URIError("Failed to decode param '%zz'"), {
      status: 400,
      statusCode: 400,
    });
    const mapped = toAppError(uriError);
    expect(mapped.status).toBe(404);
    expect(mapped.code).toBe('not_found');
  });
});

describe('an id path parameter', () => {
  const app = express();
  app.get('/api/things/:id', (req, res) => {
    res.json({ id: idParam(req, 'thing') });
  });
  app.use(errorMiddleware);

  test('when it is a UUID, then the route gets it lower-cased', async () => {
    const id = newId();
    const res = await request(app).get(`/api/things/${id.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id });
  });

  test.each([
    ['not a UUID', 'not-an-id'],
    ['a UUID with a suffix', `${newId()}x`],
    ['not valid percent-encoding', '%zz'],
    ['a cut-off UTF-8 escape', '%E0%A4%A'],
  ])('when it is %s, then the one error middleware answers 404 not_found', async (_what, id) => {
    const res = await request(app).get(`/api/things/${id}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
