#!/usr/bin/env python3
"""DuckDB baseline of the KPI dashboard benchmark (`minsheng-bench kpi`, issue 8).

Loads the generated per-case rows (a CSV written by the benchmark, one row per case, the same
columns as its SQL baseline table) into a DuckDB table, then answers the dashboard queries the
benchmark times against minsheng's kept rollups by scanning that table: no rollups, no indexes,
the rows in the order they were generated. DuckDB runs with its default settings (threads =
cores). Each query runs once untimed, then `--runs` times timed; the timing covers execution
and fetching the result into Python, as the Rust side's timing covers the store query and
building its answer.

    python kpi.py --csv cases.csv --db kpi.duckdb --runs 20 < queries.json > answers.json

stdin: {"queries": [{"name": ..., "kind": "counts" | "league" | "series" | "volume",
                     "city" | "county": ..., "from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}]}
stdout: {"duckdb": version, "threads": n, "rows": n, "load_s": s, "db_bytes": n,
         "queries": [{"name", "ms": [...], "p50_ms", "p95_ms", "answer"}]}
Counts are {"cases": n, "metrics": [[hit, basically, miss] for m0..m11]}; the Rust side
compares every answer with the rollups' before it reports a time. Progress goes to stderr.
"""

import argparse
import datetime
import json
import math
import os
import sys
import time

import duckdb

METRICS = 12
OUTCOMES = (0, 1, 2)  # hit, basically, miss, as the benchmark writes them

# Typed columns: DuckDB gets its natural representation (a DATE to filter on, small integers
# for outcomes); strings are dictionary-compressed by DuckDB itself.
COLUMNS = {
    "day": "DATE",
    "month": "VARCHAR",
    "city": "VARCHAR",
    "county": "VARCHAR",
    "region": "VARCHAR",
    "office": "VARCHAR",
    "unit": "VARCHAR",
    "flow": "VARCHAR",
    "channel": "VARCHAR",
    "topic": "VARCHAR",
    **{f"m{m}": "UTINYINT" for m in range(METRICS)},
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def load(con, csv):
    columns = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in COLUMNS.items()) + "}"
    start = time.perf_counter()
    con.execute(
        f"CREATE OR REPLACE TABLE cases AS SELECT * FROM read_csv({sql_string(csv)}, "
        f"header = true, delim = ',', quote = '', nullstr = '', columns = {columns})"
    )
    con.execute("CHECKPOINT")
    return time.perf_counter() - start


def aggregates(metrics):
    """COUNT(*), then hit/basically/miss counts of each metric in `metrics`."""
    parts = ["count(*)"]
    for m in metrics:
        parts += [f"count(*) FILTER (WHERE m{m} = {k})" for k in OUTCOMES]
    return ", ".join(parts)


def counts(row, metrics, cases=True):
    """A counts answer from `row` = (cases, then 3 per metric in `metrics`)."""
    out = [[0, 0, 0] for _ in range(METRICS)]
    for i, m in enumerate(metrics):
        out[m] = list(row[1 + 3 * i : 4 + 3 * i])
    return {"cases": row[0] if cases else 0, "metrics": out}


ALL = list(range(METRICS))
# A unit is charged with every outcome of the cases it is responsible for except the transfer
# (m0), which is charged to the office that received the case.
UNIT = list(range(1, METRICS))


def day(s):
    return datetime.date.fromisoformat(s)


def q_counts(con, q):
    row = con.execute(
        f"SELECT {aggregates(ALL)} FROM cases WHERE city = ? AND day BETWEEN ? AND ?",
        [q["city"], day(q["from"]), day(q["to"])],
    ).fetchone()
    return counts(row, ALL)


def q_league(con, q):
    span = [day(q["from"]), day(q["to"])]
    out = {}
    for unit, *rest in con.execute(
        f"SELECT unit, {aggregates(UNIT)} FROM cases WHERE day BETWEEN ? AND ? GROUP BY unit",
        span,
    ).fetchall():
        out[unit] = counts(rest, UNIT)
    for office, *rest in con.execute(
        f"SELECT office, {aggregates([0])} FROM cases "
        "WHERE day BETWEEN ? AND ? AND m0 IS NOT NULL GROUP BY office",
        span,
    ).fetchall():
        c = out.setdefault(office, counts([0] * (1 + 3 * METRICS), ALL))
        c["metrics"][0] = counts(rest, [0])["metrics"][0]
    return out


def q_series(con, q):
    return [
        [month, counts(rest, ALL)]
        for month, *rest in con.execute(
            f"SELECT month, {aggregates(ALL)} FROM cases "
            "WHERE county = ? AND day BETWEEN ? AND ? GROUP BY month ORDER BY month",
            [q["county"], day(q["from"]), day(q["to"])],
        ).fetchall()
    ]


def q_volume(con, q):
    return [
        list(r)
        for r in con.execute(
            "SELECT month, flow, channel, topic, count(*) FROM cases "
            "WHERE county = ? AND day BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL",
            [q["county"], day(q["from"]), day(q["to"])],
        ).fetchall()
    ]


KINDS = {"counts": q_counts, "league": q_league, "series": q_series, "volume": q_volume}


def percentile(sorted_ms, p):
    """Nearest rank, as the Rust side computes it."""
    rank = math.ceil(p / 100 * len(sorted_ms))
    return sorted_ms[min(max(rank, 1), len(sorted_ms)) - 1]


def timed(con, q, runs):
    run = KINDS[q["kind"]]
    answer = run(con, q)  # warm-up, and the answer to check
    ms = []
    for _ in range(runs):
        start = time.perf_counter()
        run(con, q)
        ms.append((time.perf_counter() - start) * 1000.0)
    s = sorted(ms)
    return {
        "name": q["name"],
        "ms": ms,
        "p50_ms": percentile(s, 50),
        "p95_ms": percentile(s, 95),
        "answer": answer,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", required=True, help="per-case rows with a header line")
    ap.add_argument("--db", required=True, help="DuckDB database file (replaced)")
    ap.add_argument("--runs", type=int, required=True, help="timed runs per query")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    spec = json.load(sys.stdin)
    unknown = [q["kind"] for q in spec["queries"] if q["kind"] not in KINDS]
    if unknown:
        ap.error(f"unknown query kinds {unknown}")
    for ext in ("", ".wal"):
        if os.path.exists(a.db + ext):
            os.remove(a.db + ext)
    con = duckdb.connect(a.db)
    load_s = load(con, a.csv)
    rows = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    log(f"duckdb {duckdb.__version__}: {rows} rows loaded in {load_s:.1f}s, {threads} threads")
    out = {
        "duckdb": duckdb.__version__,
        "threads": int(threads),
        "rows": rows,
        "load_s": load_s,
        "db_bytes": os.path.getsize(a.db),
        "queries": [],
    }
    for q in spec["queries"]:
        out["queries"].append(timed(con, q, a.runs))
        log(f"duckdb {q['name']}: p50 {out['queries'][-1]['p50_ms']:.1f} ms")
    con.close()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
