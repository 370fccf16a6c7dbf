/**
 * The password policy: one definition, checked by the server on every set or change and shown by
 * the UI as the user types (the UI imports this file; it must stay free of Node and browser APIs).
 */
export interface PasswordRule {
  /** i18n key of the UI's line for this rule (`policy.<key>`) */
  key: 'length' | 'max' | 'lower' | 'upper' | 'digit' | 'special';
  /** what the server's error message says is missing */
  missing: string;
  /** listed in the UI's checklist (the upper bound is only enforced) */
  listed: boolean;
  ok: (pw: string) => boolean;
}

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export const PASSWORD_RULES: readonly PasswordRule[] = [
  { key: 'length', missing: `at least ${PASSWORD_MIN_LENGTH} characters`, listed: true, ok: (pw) => pw.length >= PASSWORD_MIN_LENGTH },
  { key: 'max', missing: `at most ${PASSWORD_MAX_LENGTH} characters`, listed: false, ok: (pw) => pw.length <= PASSWORD_MAX_LENGTH },
  { key: 'lower', missing: 'a lower-case letter', listed: true, ok: (pw) => /[a-z]/.test(pw) },
  { key: 'upper', missing: 'an upper-case letter', listed: true, ok: (pw) => /[A-Z]/.test(pw) },
  { key: 'digit', missing: 'a digit', listed: true, ok: (pw) => /[0-9]/.test(pw) },
  { key: 'special', missing: 'a special character', listed: true, ok: (pw) => /[^A-Za-z0-9]/.test(pw) },
];

/** What a password lacks, in the words of the server's error message; empty when it meets the policy. */
export const passwordProblems = (pw: string): string[] => PASSWORD_RULES.filter((r) => !r.ok(pw)).map((r) => r.missing);

export const meetsPasswordPolicy = (pw: string): boolean => PASSWORD_RULES.every((r) => r.ok(pw));

export const policyMessage = (problems: string[]): string => `Password must contain ${problems.join(', ')}`;
