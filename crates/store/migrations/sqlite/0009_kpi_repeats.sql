-- Repeat links (重复信访, docs/kpi.md): a petition that repeats an earlier one of the same
-- petitioner on the same topic. Set once when the later case is registered; both cases' KPI
-- facts are derived with it (repeat_of for the later, repeated_later for the earlier).
CREATE TABLE case_repeats (
    case_id TEXT PRIMARY KEY,
    repeat_of TEXT NOT NULL
);
CREATE INDEX case_repeats_of ON case_repeats (repeat_of);
