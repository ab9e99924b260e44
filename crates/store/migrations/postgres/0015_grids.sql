-- Grids (网格, core/src/grid.rs): the lowest regions, each a set of H3 cells at the resolution it
-- was drawn at, with address keywords for matters without coordinates. A polygon (GeoJSON) may
-- be kept beside the cells for display; placement uses the cells.
CREATE TABLE grids (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    h3_resolution BIGINT NOT NULL,
    h3_cells TEXT NOT NULL,
    polygon TEXT,
    keywords TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX grids_region ON grids (region);
-- 网格员 assignments: a grid worker serves one or more grids.
CREATE TABLE grid_workers (
    grid_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (grid_id, user_id)
);
CREATE INDEX grid_workers_user ON grid_workers (user_id);
-- Site-visit photos: the file lives under the data directory (grid-photos/), named by its id;
-- this row says which case it belongs to, so it is served only to staff who may see that case.
CREATE TABLE grid_photos (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX grid_photos_case ON grid_photos (case_id);
-- Projection columns of the grid events (the event log stays the source of truth): the grid a
-- case lies in and when it was resolved on the spot, for the grid queues and 就地化解率.
ALTER TABLE cases ADD COLUMN grid_id TEXT;
ALTER TABLE cases ADD COLUMN on_spot_at BIGINT;
CREATE INDEX cases_grid ON cases (grid_id, registered_at);
