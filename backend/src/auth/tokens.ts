import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ACCESS_TOKEN_SECONDS, CLOCK_SKEW_SECONDS, type Keyring } from './keyring.js';
import type { AuthUser } from '../http/credentials.js';

export type { AuthUser };

export const ISSUER = 'aniworld';
export const AUDIENCE = 'aniworld-api';
const ALGORITHM = 'HS256' as const;

export class TokenSigner {
  constructor(private keyring: Keyring) {
    keyring.onChange(() => this.verified.clear());
  }

  /** A short-lived access token (ACCESS_TOKEN_SECONDS) for one login session. */
  sign(user: { id: number; username: string; role: 'admin' | 'user'; tokens_valid_after?: number }, sid: string) {
    const jti = crypto.randomUUID();
    // a cut-off can lie up to a second ahead (a restore voids the whole second it ran in): a token
    // issued after it must not fall under it, so its iat moves up to the cut-off (within the skew
    // verify allows)
    const iat = Math.max(Math.floor(Date.now() / 1000), Math.floor((user.tokens_valid_after ?? 0) / 1000));
    const exp = iat + ACCESS_TOKEN_SECONDS;
    const { kid, key } = this.keyring.signingKey();
    const token = jwt.sign({ sub: String(user.id), name: user.username, role: user.role, sid, iat, exp }, key, {
      algorithm: ALGORITHM,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwtid: jti,
      keyid: kid,
    });
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }

  /** Tokens whose signature was checked already (the UI sends the same one on every request). */
  private verified = new Map<string, AuthUser>();

  /** Signature by a live key of the ring, algorithm, exp, iss, aud and a lifetime no longer than ours; null for anything else. */
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
      const decoded = jwt.decode(token, { complete: true });
      const kid = decoded?.header.kid;
      if (typeof kid !== 'string') return null;
      const key = this.keyring.verifyingKey(kid);
      if (!key) return null;
      const p = jwt.verify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER, audience: AUDIENCE }) as jwt.JwtPayload;
      if (
        typeof p.exp !== 'number' ||
        typeof p.iat !== 'number' ||
        typeof p.jti !== 'string' ||
        typeof p.sub !== 'string' ||
        typeof p.sid !== 'string'
      )
        return null;
      // a token that claims a longer life than we ever give, or one issued in the future, is not ours
      if (p.exp - p.iat > ACCESS_TOKEN_SECONDS || p.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) return null;
      const id = Number(p.sub);
      if (!Number.isInteger(id)) return null;
      return {
        id,
        username: String(p.name ?? ''),
        role: p.role === 'admin' ? 'admin' : 'user',
        jti: p.jti,
        iat: p.iat,
        exp: p.exp,
        sid: p.sid,
      };
    } catch {
      return null;
    }
  }
}
