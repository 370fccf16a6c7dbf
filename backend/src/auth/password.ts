import { hash, verify, Algorithm } from '@node-rs/argon2';

/** The spec's policy: at least 8 characters, upper and lower case, a digit and a special character. */
export function passwordProblems(pw: string): string[] {
  const problems: string[] = [];
  if (pw.length < 8) problems.push('at least 8 characters');
  if (pw.length > 256) problems.push('at most 256 characters');
  if (!/[a-z]/.test(pw)) problems.push('a lower-case letter');
  if (!/[A-Z]/.test(pw)) problems.push('an upper-case letter');
  if (!/[0-9]/.test(pw)) problems.push('a digit');
  if (!/[^A-Za-z0-9]/.test(pw)) problems.push('a special character');
  return problems;
}

export function policyMessage(problems: string[]): string {
  return `Password must contain ${problems.join(', ')}`;
}

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const hashPassword = (pw: string) => hash(pw, OPTIONS);

export async function checkPassword(hashed: string, pw: string): Promise<boolean> {
  try {
    return await verify(hashed, pw);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so timing does not reveal names. */
let dummy: Promise<string> | null = null;
export const dummyHash = () => (dummy ??= hashPassword('not-a-real-password-Aa1!'));
