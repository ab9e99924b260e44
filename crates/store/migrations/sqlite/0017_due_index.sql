-- The case list sorted by due date orders by (due_at, id) for its keyset paging. With an index on
-- due_at alone, cases sharing a due date had to be sorted on every page: at 1M cases with many
-- ties, 2.5 s a page (BENCHMARKS.md). The pair serves the order and the cursor directly.
DROP INDEX cases_due;
CREATE INDEX cases_due ON cases (due_at, id);
