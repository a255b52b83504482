-- 0010_auth.sql — a TOTP code signs in once.
--
--   app_user.totp_last_step   the RFC 6238 time step (Unix time / 30) of the last TOTP code that signed the
--                             user in; NULL before the first. auth_sign_in() accepts a code only for a later
--                             step (src/auth/auth.h, invariant 9), so a code seen over a shoulder, in a log
--                             or by a phishing proxy cannot be replayed, nor can the code of the step before
--                             it once a newer one has been used. Set only by a successful sign-in, in the
--                             same transaction that opens the session.
ALTER TABLE app_user ADD COLUMN totp_last_step INTEGER;
