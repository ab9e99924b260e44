-- Held submissions of every public channel (abuse::held): a web or API case, an Open311
-- request, or a people's suggestion. `origin` names the Open311 client a request came from (it
-- is registered in that client's name on release). A repeated submission with the same
-- idempotency key finds its held row instead of holding twice; the key is unique per scope.
ALTER TABLE held_submissions ADD COLUMN kind TEXT NOT NULL DEFAULT 'case';
ALTER TABLE held_submissions ADD COLUMN origin TEXT;
ALTER TABLE held_submissions ADD COLUMN idem_scope TEXT;
ALTER TABLE held_submissions ADD COLUMN idem_key TEXT;
ALTER TABLE held_submissions ADD COLUMN request_hash TEXT;
CREATE UNIQUE INDEX held_submissions_idem ON held_submissions (idem_scope, idem_key);
CREATE INDEX held_submissions_decided ON held_submissions (status, decided_at);
