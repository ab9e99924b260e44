-- Every filter of the case list has an index (issue 8): kind, flow and region had none, so
-- filtering by them scanned the whole table in registration order.
CREATE INDEX cases_kind ON cases (kind, registered_at DESC);
CREATE INDEX cases_flow ON cases (flow, registered_at DESC);
CREATE INDEX cases_region ON cases (region, registered_at DESC);
