import type { Deps } from '../deps.js';
import { BadRequest, Forbidden, RateLimited, Unauthorized } from '../http/errors.js';
import { removeSetupCode, setupCodeMatches } from './setupCode.js';
import { SharedWindow } from '../http/sharedLimits.js';
import { LoginThrottle } from './throttle.js';
import * as repo from './repo.js';
import { checkAnimeDirectory } from '../settings/animeDirectory.js';
import { checkPassword, dummyHash, hashPassword, passwordProblems, policyMessage } from './password.js';
import type { AuthUser } from './tokens.js';

export class AuthService {
  private throttle: LoginThrottle;
  private setupAttempts: SharedWindow;

  constructor(private deps: Deps) {
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
  async setup(ip: string, local: boolean, body: { master_password: string; anime_directory?: string; username?: string; tmdb_api_key?: string; setup_code?: string }) {
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
      : (await repo.listUsers(this.deps.db)).find((u) => u.role === 'admin') ?? null;
    const account = (user?.username ?? body.username ?? '(admin)').toLowerCase();
    const wait = await this.throttle.wait(account, ip);
    if (wait) throw new RateLimited(undefined, wait);
    const ok = user ? await checkPassword(user.password_hash, body.password) : (await checkPassword(await dummyHash(), body.password), false);
    if (!user || !ok) {
      await this.throttle.failed(account, ip);
      this.deps.log.warn({ ip, username: body.username ?? null }, 'failed login');
      throw new Unauthorized('Invalid credentials');
    }
    await this.throttle.succeeded(account, ip);
    const issued = this.deps.signer.sign(user, body.remember);
    this.deps.log.info({ user: user.username, remember: body.remember }, 'login');
    return { access_token: issued.token, token_type: 'bearer' as const, expires_at: issued.expiresAt.toISOString() };
  }

  async logout(user: AuthUser) {
    await this.deps.sessions.revoke(user);
    this.deps.log.info({ user: user.username }, 'logout');
  }
}
