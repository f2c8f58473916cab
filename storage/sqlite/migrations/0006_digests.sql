-- 0006: the figures of each weekly agency digest, kept so that next week's digest can show the change.
-- figures_json holds counts and shares only (reports.digest AgencyFigures.to_data()), never families.
-- period is an ISO week such as "2026-W48": text order is time order.
CREATE TABLE digest_runs (
    id           INTEGER PRIMARY KEY,
    agency       TEXT NOT NULL CHECK (agency <> ''),
    period       TEXT NOT NULL CHECK (period <> ''),
    figures_json TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (agency, period)
);
