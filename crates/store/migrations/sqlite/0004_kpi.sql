-- The KPI projection (docs/kpi.md). kpi_facts holds each case's derived facts as of its last
-- derivation, with the region chain it was counted in, so the cells it added can be taken out
-- exactly when it is derived again. kpi_cells are the sums: one row per grain, scope, period and
-- metric ('cases' counts cases in hit). volume_cells count intake by flow, channel and
-- first-level topic for the dashboards; a case's region, channel and topic never change.
CREATE TABLE kpi_facts (
    case_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    valid_until BIGINT,
    calendar_gap BIGINT NOT NULL DEFAULT 0,
    chain TEXT NOT NULL,
    facts TEXT NOT NULL
);
CREATE INDEX kpi_facts_valid ON kpi_facts (valid_until);
CREATE TABLE kpi_cells (
    grain TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    period TEXT NOT NULL,
    metric TEXT NOT NULL,
    hit BIGINT NOT NULL,
    basically BIGINT NOT NULL,
    miss BIGINT NOT NULL,
    PRIMARY KEY (grain, scope, scope_id, period, metric)
);
CREATE INDEX kpi_cells_period ON kpi_cells (grain, scope, period);
CREATE TABLE volume_cells (
    grain TEXT NOT NULL,
    region TEXT NOT NULL,
    period TEXT NOT NULL,
    flow TEXT NOT NULL,
    channel TEXT NOT NULL,
    topic TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (grain, region, period, flow, channel, topic)
);
CREATE INDEX volume_cells_period ON volume_cells (grain, period);
