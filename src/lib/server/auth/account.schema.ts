import { z } from 'zod';

export const usernameSchema = z
  .string({ error: 'username is required' })
  .trim()
  .min(3, 'Username must be 3 to 32 characters.')
  .max(32, 'Username must be 3 to 32 characters.')
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'Username may contain letters, digits, "_", "." and "-", and must start with a letter or digit.');

export const signupSchema = z.object({
  username: usernameSchema,
  email: z.string({ error: 'email is required' }).trim().max(254).email('Enter a valid email address.'),
  password: z.string({ error: 'password is required' }),
  displayName: z.string().trim().max(64).optional()
});

export const loginSchema = z.object({
  username: z.string({ error: 'username is required' }).trim().min(1, 'username is required').max(254),
  password: z.string({ error: 'password is required' }).min(1, 'password is required').max(1024)
});

export const displayNameSchema = z
  .string({ error: 'displayName is required' })
  .trim()
  .min(1, 'Display name must be 1 to 64 characters.')
  .max(64, 'Display name must be 1 to 64 characters.')
  .regex(/^[^\p{Cc}]*$/u, 'Display name must not contain control characters.');

export const updateMeSchema = z.object({ displayName: displayNameSchema });

export const changePasswordSchema = z.object({
  currentPassword: z.string({ error: 'currentPassword is required' }).min(1, 'Enter your current password.').max(1024),
  newPassword: z.string({ error: 'newPassword is required' }).min(1, 'Enter a new password.').max(1024)
});

export type SignupInput = z.infer<typeof signupSchema>;
export type LoginInput = z.infer<typeof loginSchema>;
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
