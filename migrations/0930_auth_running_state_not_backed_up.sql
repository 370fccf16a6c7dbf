-- The rest of the login state a backup leaves out and a restore leaves as it is (after 0901):
-- * revoked_tokens: a revocation names a token signed by a key of signing_keys, which no backup
--   holds (0503); a restore keeps the installation's signing keys, so the tokens they signed stay
--   verifiable, and their revocations must stay with them. A backup's older copy would bring back
--   tokens revoked since (and a restore voids every earlier token anyway, users.tokens_valid_after).
--   Its reference to users goes: emptying users on a restore (truncate ... cascade) would empty
--   it too. A revocation outlives a deleted user until the housekeeping prunes it at its expiry.
-- * login_known_addresses: the addresses each account logged in from lately, running state of
--   the login throttle (like login_failures, 0901) and no part of the user's data.
alter table revoked_tokens drop constraint if exists revoked_tokens_user_id_fkey;
comment on table revoked_tokens is 'aniworld:not-backed-up revoked access tokens and login sessions, kept with the signing keys';
comment on table login_known_addresses is 'aniworld:not-backed-up addresses each account logged in from lately';
