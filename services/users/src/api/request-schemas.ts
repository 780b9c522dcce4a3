import { z } from 'zod';

/** Longest address SMTP allows (RFC 5321: 254 in a path). Checked after trimming. */
const EMAIL_MAX = 254;
/** Passwords are hashed, so length costs us little; the cap only stops absurd bodies. */
const PASSWORD_MAX = 256;

/** Trimmed and lower-cased before the format check, so " Ada@Example.COM " is ada@example.com. */
const email = z
  .string()
  .max(EMAIL_MAX + 64, `at most ${EMAIL_MAX} characters`)
  .trim()
  .toLowerCase()
  .pipe(z.email('must be an email address').max(EMAIL_MAX, `at most ${EMAIL_MAX} characters`));

const newPassword = z
  .string()
  .min(10, 'at least 10 characters')
  .max(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`);

/** Any password a user might type at sign-in; a too-short one simply does not match. */
const givenPassword = z.string().min(1, 'required').max(PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`);

const displayName = z
  .string()
  .trim()
  .min(1, 'at least 1 character')
  .max(80, 'at most 80 characters')
  .regex(/^[^\p{Cc}]*$/u, 'no control characters');

export const signUpBody = z.strictObject({ email, password: newPassword, displayName });

export const credentialsBody = z.strictObject({ email, password: givenPassword });

export const updateMeBody = z
  .strictObject({
    displayName: displayName.optional(),
    email: email.optional(),
    password: newPassword.optional(),
    currentPassword: givenPassword.optional(),
  })
  .refine((b) => b.displayName !== undefined || b.email !== undefined || b.password !== undefined, {
    message: 'give at least one of displayName, email, password',
  })
  .refine((b) => b.password === undefined || b.currentPassword !== undefined, {
    message: 'required to change the password',
    path: ['currentPassword'],
  })
  .refine((b) => b.currentPassword === undefined || b.password !== undefined, {
    message: 'only allowed together with password',
    path: ['currentPassword'],
  });
