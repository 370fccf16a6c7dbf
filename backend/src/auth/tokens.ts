import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';

export interface AuthUser {
  id: number;
  username: string;
  role: 'admin' | 'user';
  jti: string;
  /** issued-at in milliseconds (finer than the standard `iat`). */
  iatMs: number;
  exp: number;
  /** Set when the caller presented an API key instead of a login token. */
  apiKeyId?: number;
}

export const ISSUER = 'aniworld';
export const AUDIENCE = 'aniworld-api';
const ALGORITHM = 'HS256' as const;

export const SESSION_HOURS = 12;
export const REMEMBER_DAYS = 30;

/** JWT_SECRET, or one generated once and kept (mode 0600) in DATA_DIR. */
export function loadJwtSecret(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'jwt_secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = crypto.randomBytes(48).toString('base64url');
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return fs.readFileSync(file, 'utf8').trim(); // another process won the race
    }
  }
}

export class TokenSigner {
  /** A KeyObject: given a string, jsonwebtoken first tries (and fails) to parse it as a public key on every verify. */
  private secret: crypto.KeyObject;

  constructor(secret: string) {
    this.secret = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** A restored backup brings its secret: tokens signed with the old one stop verifying. */
  setSecret(secret: string): void {
    this.secret = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
    this.verified.clear();
  }

  sign(user: { id: number; username: string; role: 'admin' | 'user' }, remember: boolean) {
    const jti = crypto.randomUUID();
    const now = Date.now();
    const lifetimeS = remember ? REMEMBER_DAYS * 86400 : SESSION_HOURS * 3600;
    const exp = Math.floor(now / 1000) + lifetimeS;
    const token = jwt.sign(
      { sub: String(user.id), name: user.username, role: user.role, iat_ms: now, exp },
      this.secret,
      { algorithm: ALGORITHM, issuer: ISSUER, audience: AUDIENCE, jwtid: jti },
    );
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }

  /** Tokens whose signature was checked already (the UI sends the same one on every request). */
  private verified = new Map<string, AuthUser>();

  /** Signature, algorithm, exp, iss and aud; returns null for anything not ours. */
  verify(token: string): AuthUser | null {
    const known = this.verified.get(token);
    if (known) return known.exp * 1000 > Date.now() ? known : null;
    const user = this.verifyUncached(token);
    if (user) {
      if (this.verified.size >= 1000) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, user);
    }
    return user;
  }

  private verifyUncached(token: string): AuthUser | null {
    try {
      const p = jwt.verify(token, this.secret, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        complete: false,
      }) as jwt.JwtPayload;
      if (typeof p.exp !== 'number' || typeof p.jti !== 'string' || typeof p.sub !== 'string') return null;
      const id = Number(p.sub);
      if (!Number.isInteger(id)) return null;
      return {
        id,
        username: String(p.name ?? ''),
        role: p.role === 'admin' ? 'admin' : 'user',
        jti: p.jti,
        iatMs: typeof p.iat_ms === 'number' ? p.iat_ms : (p.iat ?? 0) * 1000,
        exp: p.exp,
      };
    } catch {
      return null;
    }
  }
}
