import { z } from 'zod';

export const SetupBody = z.object({
  master_password: z.string().min(1).max(256),
  anime_directory: z.string().min(1).max(4096).optional(),
  username: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[\w.@-]+$/, 'letters, digits and . _ @ - only')
    .optional(),
  tmdb_api_key: z.string().max(500).optional(),
  setup_code: z
    .string()
    .max(100)
    .optional()
    .describe('The code printed to the server log; not needed from a loopback client that no trusted proxy forwarded'),
});

export const LoginBody = z.object({
  password: z.string().min(1).max(256),
  remember: z.boolean().default(false),
  username: z.string().trim().min(1).max(64).optional(),
});

export const LoginResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_at: z.string(),
});

const SessionUser = z.object({ id: z.number(), username: z.string(), role: z.enum(['admin', 'user']) });

/** The refresh's answer names the account too: a page load restores its session in one round trip. */
export const RefreshResponse = LoginResponse.extend({ user: SessionUser.describe('the account of the login session') });

export const AuthStatus = z.object({
  configured: z.boolean(),
  authenticated: z.boolean(),
  user: SessionUser.nullable(),
});
