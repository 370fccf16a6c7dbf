import type { Algorithm } from '@node-rs/argon2';

// The native argon2 addon loads at the first hash or check, not at start-up (loading it takes tens
// of ms that /health never needs); import() keeps the loaded module.
const argon2 = () => import('@node-rs/argon2');

// Algorithm.Argon2id: the package declares a const enum, which it does not export at run time
const OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const hashPassword = async (pw: string) => (await argon2()).hash(pw, OPTIONS);

export async function checkPassword(hashed: string, pw: string): Promise<boolean> {
  try {
    return await (await argon2()).verify(hashed, pw);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so timing does not reveal names. */
let dummy: Promise<string> | null = null;
export const dummyHash = () => (dummy ??= hashPassword('not-a-real-password-Aa1!'));
