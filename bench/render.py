#!/usr/bin/env python3
"""Renders RESULTS.md from one bench/run.sh output directory (argument)."""
import csv
import glob
import os
import sys

out = sys.argv[1]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def label(size):
    size = int(size)
    return f"{size // 1_000_000}m" if size >= 1_000_000 else f"{size // 1000}k"


measured = rows(os.path.join(out, "measured.tsv"))
env = open(os.path.join(out, "env.txt")).read().strip()
print("# Benchmark results\n")
print("Written by `bench/run.sh` (see its header); raw outputs were in `" + out + "`. Ratios are from")
print("one run on one machine with everything (PostgreSQL, the servers, wrk, pgbench) sharing its")
print("cores; compare within a run only.\n")
print("```\n" + env + "\n```\n")

sides = sorted(glob.glob(os.path.join(out, "side_*", "summary.tsv")))
if sides:
    print("## Side by side: the same page on the same PostgreSQL\n")
    print("Police of town 1, the first 50 persons by name; (a) basic fields, (b) with each person's")
    print("talks. Floor: pgbench on raw SQL; PostGraphile 5 with row-level security; pingan in the build named above.\n")
    print("| world | target | (a) basic | (a) p50 / p99 ms | (b) nested | (b) p50 / p99 ms |")
    print("|---|---|---|---|---|---|")
    for path in sides:
        summary = rows(path)
        world = summary[0]["db"] if summary else "?"
        by = {(r["target"], r["case"]): r for r in summary}
        lines = [
            ("floor, raw SQL", ("floor", "basic_raw"), ("floor", "nested_raw"), "tps"),
            ("floor through RLS", ("floor", "basic_rls"), ("floor", "nested_rls"), "tps"),
            ("PostGraphile", ("peer", "a_basic"), ("peer", "b_nested"), "rps"),
            ("pingan", ("pingan", "a_basic"), ("pingan", "b_nested"), "rps"),
        ]
        for name, a, b, unit in lines:
            ra, rb = by.get(a, {}), by.get(b, {})
            cell = lambda r: f"{num(r.get('throughput_per_s')) or 0:,.0f} {unit}" if r else "–"
            lat = lambda r: f"{r.get('p50_ms', '')} / {r.get('p99_ms', '')}" if r else "–"
            print(f"| {world} | {name} | {cell(ra)} | {lat(ra)} | {cell(rb)} | {lat(rb)} |")
        ratios = []
        for case, floor in (("a_basic", "basic_raw"), ("b_nested", "nested_raw")):
            p = num(by.get(("pingan", case), {}).get("throughput_per_s"))
            g = num(by.get(("peer", case), {}).get("throughput_per_s"))
            f = num(by.get(("floor", floor), {}).get("throughput_per_s"))
            if p and g:
                ratios.append(f"{case}: pingan / PostGraphile = {p / g:.2f}×")
            if p and f:
                ratios.append(f"{case}: pingan / raw floor = {100 * p / f:.0f} %")
        print()
        print(f"Ratios on {world}: " + "; ".join(ratios) + ".\n")
        print("| world | target | case | p99 ms |")
        print("|---|---|---|---|")
        for case in ("a_basic", "b_nested"):
            for target in ("peer", "pingan"):
                r = by.get((target, case))
                if r:
                    print(f"| {world} | {'PostGraphile' if target == 'peer' else 'pingan'} | {case} | {r['p99_ms']} |")
        print()

print("## Every query, at each size\n")
print("wrk closed loop; statements per request and sequential scans from one request with")
print("statement logging and auto_explain (every plan of the request); RSS of the server after the run.\n")
print("| persons | query | as | rps | p50 ms | p99 ms | RSS MB | statements | seq scans | errors |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in measured:
    if r["case"].startswith("export"):
        continue
    print(f"| {int(r['size']):,} | {r['case']} | {r['user']} | {num(r['rps']) or 0:,.0f} | {r['p50_ms']} | {r['p99_ms']} "
          f"| {r['rss_mb']} | {r['statements']} | {r['seq_scans']} | {r['notes']} |")
print()

sizes = sorted({int(r["size"]) for r in measured})
if len(sizes) >= 2:
    small, large = sizes[0], sizes[-1]
    print(f"## From {small:,} to {large:,} persons\n")
    print("| query | p50 ms | p50 ms | ratio |")
    print("|---|---|---|---|")
    by = {(int(r["size"]), r["case"]): r for r in measured}
    for r in measured:
        if int(r["size"]) != small or r["case"].startswith("export"):
            continue
        a, b = num(r["p50_ms"]), num(by.get((large, r["case"]), {}).get("p50_ms"))
        if a and b:
            print(f"| {r['case']} | {a} | {b} | {b / a:.2f}× |")
    print()

print("## Export of every person of the town (CSV)\n")
print("| persons in the world | time ms | bytes and peak RSS under the query load |")
print("|---|---|---|")
for r in measured:
    if r["case"].startswith("export"):
        print(f"| {int(r['size']):,} | {r['p50_ms']} | {r['notes']}; peak RSS after the export {r['rss_mb']} MB |")
print()

explains = sorted(glob.glob(os.path.join(out, "explain_*.log")))
if explains:
    print("## Plans\n")
    print("The plan of every statement of one request per query, from auto_explain; only the plan")
    print("lines that name a table, an index or a scan are kept here.\n")
    for path in explains:
        name = os.path.basename(path)[len("explain_"):-len(".log")]
        keep = [l.rstrip() for l in open(path, errors="replace")
                if any(k in l for k in ("Scan", "->", "Query Text"))]
        print(f"<details><summary>{name}</summary>\n\n```")
        for line in keep[:200]:
            print(line[line.find("LOG:") + 5:] if "LOG:" in line else line)
        print("```\n</details>\n")
