-- Notices to petitioners (server::notify): an optional e-mail address, sealed like the other
-- personal data (no blind index: nobody looks a petitioner up by e-mail), and the channel the
-- petitioner chose (sms, email or none; NULL for records from before the choice existed).
-- Staff get an e-mail address too (sealed), for supervision orders sent to their unit.
ALTER TABLE petitioners ADD COLUMN email_enc BYTEA;
ALTER TABLE petitioners ADD COLUMN notify_channel TEXT;
ALTER TABLE users ADD COLUMN email_enc BYTEA;
