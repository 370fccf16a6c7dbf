/** The server's password policy, checked as the user types (the server checks again). */
export interface PolicyRule {
  key: string;
  ok: (pw: string) => boolean;
}

export const POLICY: PolicyRule[] = [
  { key: 'policy.length', ok: (pw) => pw.length >= 8 },
  { key: 'policy.lower', ok: (pw) => /[a-z]/.test(pw) },
  { key: 'policy.upper', ok: (pw) => /[A-Z]/.test(pw) },
  { key: 'policy.digit', ok: (pw) => /[0-9]/.test(pw) },
  { key: 'policy.special', ok: (pw) => /[^A-Za-z0-9]/.test(pw) },
];

export const meetsPolicy = (pw: string) => POLICY.every((r) => r.ok(pw));
