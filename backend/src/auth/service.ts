import crypto from 'node:crypto';
import type { Deps } from '../deps.js';
import { BadRequest, Forbidden, RateLimited, Unauthorized } from '../errors.js';
import { removeSetupCode, setupCodeMatches } from './setupCode.js';
import { SharedWindow } from '../http/sharedLimits.js';
import { LoginThrottle } from './throttle.js';
import * as repo from './repo.js';
import { checkAnimeDirectory } from '../util/animeDirectory.js';
import { checkPassword, dummyHash, hashPassword } from './password.js';
import { passwordProblems, policyMessage } from '../rules/password.js';
import type { AuthUser } from './tokens.js';

/** A login session without "remember me" (and its cookie dies with the browser anyway). */
export const SESSION_HOURS = 12;
/** A login session with "remember me". */
export const REMEMBER_DAYS = 30;

const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export interface IssuedLogin {
  body: { access_token: string; token_type: 'bearer'; expires_at: string };
  /** For the refresh cookie: the token, and until when the browser keeps it (null: a session cookie). */
  refresh: { token: string; persistentUntil: Date | null };
}

/** What setup, login, refresh and logout need. */
export type AuthCtx = Pick<Deps, 'env' | 'log' | 'db' | 'sessions' | 'signer' | 'settings'>;

export class AuthService {
  private throttle: LoginThrottle;
  private setupAttempts: SharedWindow;

  constructor(private deps: AuthCtx) {
    const limit = deps.env.AUTH_RATE_LIMIT;
    this.throttle = new LoginThrottle(deps.db, limit);
    this.setupAttempts = new SharedWindow(deps.db, 'setup', limit, 60);
  }

  /** Once an administrator exists the product stays configured (the last one cannot be deleted). */
  private configured = false;

  async isConfigured(): Promise<boolean> {
    if (!this.configured) this.configured = (await repo.countUsers(this.deps.db)) > 0;
    return this.configured;
  }

  /** `local`: a loopback client that no trusted proxy forwarded (needs no setup code). */
  async setup(
    ip: string,
    local: boolean,
    body: { master_password: string; anime_directory?: string; username?: string; tmdb_api_key?: string; setup_code?: string },
  ) {
    const wait = await this.setupAttempts.hit(ip);
    if (wait) throw new RateLimited(undefined, wait);
    if (!local && !(await this.isConfigured()) && !setupCodeMatches(this.deps.env.DATA_DIR, body.setup_code)) {
      throw new Forbidden('The setup code is missing or wrong: it is printed in the server log', { setup_code: 'see the server log' });
    }
    const problems = passwordProblems(body.master_password);
    if (problems.length) throw new BadRequest(policyMessage(problems), { master_password: policyMessage(problems) });
    // checked before the account is created, so a bad folder does not leave a half-done setup
    const animeDir = body.anime_directory ? await checkAnimeDirectory(body.anime_directory, this.deps.env.DATA_DIR) : null;
    const passwordHash = await hashPassword(body.master_password);
    const created = await this.deps.db.transaction(async (tx) => {
      await repo.lockSetup(tx);
      if ((await repo.countUsers(tx)) > 0) return null;
      return repo.insertUser(tx, { username: body.username ?? 'admin', passwordHash, role: 'admin' });
    });
    if (!created) throw new BadRequest('Master password already configured');
    await this.deps.sessions.userChanged(created.id);
    removeSetupCode(this.deps.env.DATA_DIR);
    const patch: Record<string, unknown> = {};
    if (animeDir) patch.anime_directory = animeDir;
    if (body.tmdb_api_key) patch.tmdb = { api_key: body.tmdb_api_key };
    if (Object.keys(patch).length) await this.deps.settings.update(patch);
    this.deps.log.info({ user: created.username }, 'initial setup completed');
    return created;
  }

  async login(ip: string, body: { password: string; remember: boolean; username?: string }) {
    const user = body.username
      ? await repo.findUserByName(this.deps.db, body.username)
      : ((await repo.listUsers(this.deps.db)).find((u) => u.role === 'admin') ?? null);
    const account = (user?.username ?? body.username ?? '(admin)').toLowerCase();
    const wait = await this.throttle.wait(account, ip);
    if (wait) throw new RateLimited(undefined, wait);
    const ok = user
      ? await checkPassword(user.password_hash, body.password)
      : (await checkPassword(await dummyHash(), body.password), false);
    if (!user || !ok) {
      await this.throttle.failed(account, ip);
      this.deps.log.warn({ ip, username: body.username ?? null }, 'failed login');
      throw new Unauthorized('Invalid credentials');
    }
    await this.throttle.succeeded(account, ip);
    const sid = crypto.randomUUID();
    const refreshToken = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + (body.remember ? REMEMBER_DAYS * 86400_000 : SESSION_HOURS * 3600_000));
    await repo.insertRefreshSession(this.deps.db, {
      id: sid,
      userId: user.id,
      tokenHash: hashOf(refreshToken),
      remember: body.remember,
      expiresAt,
    });
    this.deps.log.info({ user: user.username, remember: body.remember }, 'login');
    return { body: this.access(user, sid), refresh: { token: refreshToken, persistentUntil: body.remember ? expiresAt : null } };
  }

  /** A new access token for the session the refresh cookie names; null when it ended (logout, expiry, password change). */
  async refresh(refreshToken: string | null) {
    if (!refreshToken || refreshToken.length > 200) return null;
    const s = await repo.useRefreshSession(this.deps.db, hashOf(refreshToken));
    if (!s) return null;
    const user = await repo.findUserById(this.deps.db, s.user_id);
    if (!user) return null;
    return { ...this.access(user, s.id), user: { id: user.id, username: user.username, role: user.role } };
  }

  private access(user: repo.UserRow, sid: string): IssuedLogin['body'] {
    const issued = this.deps.signer.sign(user, sid);
    return { access_token: issued.token, token_type: 'bearer', expires_at: issued.expiresAt.toISOString() };
  }

  /** Ends the login session: its cookie no longer refreshes, and every token issued for it is revoked. */
  async logout(user: AuthUser) {
    if (user.sid) await repo.deleteRefreshSession(this.deps.db, user.sid);
    await this.deps.sessions.revoke(user, user.sid);
    this.deps.log.info({ user: user.username }, 'logout');
  }
}
