#!/usr/bin/env python3
"""Sampling, checks, table and raw data of bench/ruby.sh (see bench/README.md).

run.py --node NODE --measure measure.mjs --script workload.rb --expected expected.txt
       --out DIR --samples N --stdlib HOST_DIR --a A.wasm --b B.wasm --c C.wasm
       [--node-flag FLAG]...

Every sample is a fresh node process running measure.mjs on one column; the
columns alternate round-robin (the starting column rotates each round). Each
sample's exit code, stdout (== expected.txt) and stderr (empty) are checked;
a failed check stops the bench. Writes DIR/samples.csv and DIR/samples.json
and prints the table of medians and the goals.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time

p = argparse.ArgumentParser()
for k in ("node", "measure", "script", "expected", "out", "stdlib", "a", "b", "c"):
    p.add_argument("--" + k, required=True)
p.add_argument("--samples", type=int, required=True)
p.add_argument("--d", help="the (a) image as a command with PREINIT (its ENTRYPOINT runs the workload)")
p.add_argument("--e", help="the same with PREINIT of the workload's eight libraries")
p.add_argument("--node-flag", action="append", default=[])
args = p.parse_args()

MIB = 1 << 20
COLUMNS = [
    ("a", "wimg image", args.a, []),
    ("b", "npm ruby+stdlib.wasm (wasi-vfs)", args.b, []),
    ("c", "ruby.wasm + host preopen", args.c, ["--dir", f"{args.stdlib}::/usr/local/lib/ruby"]),
]
if args.d:
    COLUMNS.append(("d", "(a) + PREINIT, a command", args.d, ["--command"]))
if args.e:
    COLUMNS.append(("e", "(a) + PREINIT -r 8 libs, a command", args.e, ["--command"]))
KEYS = "".join(k for k, *_ in COLUMNS)
expected = open(args.expected, encoding="utf-8").read()
result_path = os.path.join(args.out, ".result.json")
FIELDS = ["total_ms", "instantiate_ms", "init_ms", "eval_ms", "compile_ms", "read_ms", "memory_bytes", "wasm_bytes"]


def sample(key, wasm, extra):
    """One fresh node process; returns (result dict, process wall ms, stdout, stderr, rc)."""
    if os.path.exists(result_path):
        os.unlink(result_path)
    script = [] if "--command" in extra else [args.script]
    cmd = [args.node, *args.node_flag, args.measure, "--result", result_path, *extra, wasm, *script]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = (time.perf_counter() - t0) * 1000.0
    out = proc.stdout.decode(errors="replace")
    err = proc.stderr.decode(errors="replace")
    res = None
    if proc.returncode == 0 and os.path.exists(result_path):
        res = json.load(open(result_path))
    return res, wall, out, err, proc.returncode


def check(key, label, res, out, err, rc):
    if rc == 0 and res is not None and out == expected and err == "":
        return None
    why = []
    if rc != 0:
        why.append(f"exit {rc}")
    if res is None:
        why.append("no result")
    if out != expected:
        why.append("stdout differs from expected.txt")
    if err:
        why.append("stderr not empty")
    return f"({key}) {label}: " + ", ".join(why) + f"\n--- stdout:\n{out[-2000:]}\n--- stderr:\n{err[-2000:]}"


load_before = os.getloadavg()
# The check must be able to fail: ruby.wasm without its stdlib cannot run the workload.
res, _, out, err, rc = sample("c", args.c, [])
if check("c", "control", res, out, err, rc) is None:
    sys.exit("bench: ruby.wasm WITHOUT the stdlib passed the output check; the check is broken")
print("control: ruby.wasm without the stdlib fails the output check, as it must")

# One untimed warm-up per column (page cache), checked like every sample.
for key, label, wasm, extra in COLUMNS:
    res, _, out, err, rc = sample(key, wasm, extra)
    bad = check(key, label, res, out, err, rc)
    if bad:
        sys.exit("bench: warm-up failed: " + bad)

rows = []
for rnd in range(args.samples):
    n = len(COLUMNS)
    order = COLUMNS[rnd % n:] + COLUMNS[:rnd % n]
    for pos, (key, label, wasm, extra) in enumerate(order):
        res, wall, out, err, rc = sample(key, wasm, extra)
        bad = check(key, label, res, out, err, rc)
        if bad:
            sys.exit(f"bench: round {rnd}: " + bad)
        rows.append({"column": key, "round": rnd, "position": pos, **{f: res[f] for f in FIELDS}, "process_ms": wall})
    print(f"round {rnd + 1}/{args.samples}: " + "  ".join(
        f"({r['column']}) {r['total_ms']:.0f} ms" for r in sorted(rows[-len(COLUMNS):], key=lambda r: r["column"])), flush=True)
if os.path.exists(result_path):
    os.unlink(result_path)
load_after = os.getloadavg()

med = {}
for key, label, wasm, _ in COLUMNS:
    mine = [r for r in rows if r["column"] == key]
    med[key] = {f: statistics.median(r[f] for r in mine) for f in FIELDS + ["process_ms"]}
    med[key]["total_min_ms"] = min(r["total_ms"] for r in mine)
    med[key]["total_max_ms"] = max(r["total_ms"] for r in mine)
    med[key]["wasm_bytes"] = os.path.getsize(wasm)
    med[key]["label"] = label

a, b, c = med["a"], med["b"], med["c"]
goals = [
    ("time (a)/(b)", a["total_ms"] / b["total_ms"], "<= 0.80", a["total_ms"] <= 0.8 * b["total_ms"]),
    ("time (a)/(c)", a["total_ms"] / c["total_ms"], "<= 1.00", a["total_ms"] <= 1.0 * c["total_ms"]),
    ("memory (a)-(c) MiB", (a["memory_bytes"] - c["memory_bytes"]) / MIB, "<= +2.00",
     a["memory_bytes"] <= c["memory_bytes"] + 2 * MIB),
    ("size (a)/(b)", a["wasm_bytes"] / b["wasm_bytes"], "<= 1.00", a["wasm_bytes"] <= b["wasm_bytes"]),
]
if "d" in med:
    d = med["d"]
    goals.append(("time (d)/(b)", d["total_ms"] / b["total_ms"], "<= 0.20", d["total_ms"] <= 0.2 * b["total_ms"]))


with open(os.path.join(args.out, "samples.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["column", "round", "position", *FIELDS, "process_ms"])
    w.writeheader()
    w.writerows(rows)
with open(os.path.join(args.out, "samples.json"), "w") as f:
    json.dump({
        "node": subprocess.run([args.node, "--version"], capture_output=True, text=True).stdout.strip(),
        "node_flags": args.node_flag,
        "samples_per_column": args.samples,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "columns": {k: {"label": l, "wasm": w_} for k, l, w_, _ in COLUMNS},
        "medians": med,
        "goals": [{"goal": g, "value": v, "target": t, "met": m} for g, v, t, m in goals],
        "samples": rows,
    }, f, indent=1)

print()
print(f"medians of {args.samples} samples per column (one fresh node process each); times in ms")
hdr = f"{'column':<36}{'total':>8}{'min':>7}{'max':>7}{'inst':>7}{'init':>7}{'eval':>7}{'compile':>9}{'process':>9}{'memory MiB':>12}{'size bytes':>12}"
print(hdr)
print("-" * len(hdr))
for key in KEYS:
    m = med[key]
    print(f"{'(' + key + ') ' + m['label']:<36}{m['total_ms']:>8.0f}{m['total_min_ms']:>7.0f}{m['total_max_ms']:>7.0f}"
          f"{m['instantiate_ms']:>7.1f}{m['init_ms']:>7.0f}{m['eval_ms']:>7.0f}{m['compile_ms']:>9.0f}"
          f"{m['process_ms']:>9.0f}{m['memory_bytes'] / MIB:>12.2f}{m['wasm_bytes']:>12,}")
print()
print("total = instantiate + init (RubyVM/ruby-init) + eval of the workload; compile (before) and")
print("process (spawn to exit, incl. node start and compile) are for context only")
if "d" in med or "e" in med:
    print("(d), (e): WASI commands started from a snapshot (Wasmfile PREINIT): _start resumes and runs the")
    print("workload, so their init is inside eval; (e) preloaded the workload's libraries at build time")
print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs:"
      " a loaded machine makes V8's background compiles (and so every time) noisy")
print()
for g, v, t, met in goals:
    print(f"{g:<22}{v:>9.3f}   goal {t:<9} {'met' if met else 'MISSED'}")
if "e" in med:
    print(f"{'time (e)/(b)':<22}{med['e']['total_ms'] / b['total_ms']:>9.3f}   (no goal: reported)")
print(f"(size: (a) - (b) = {a['wasm_bytes'] - b['wasm_bytes']:+,} bytes;"
      f" memory: (a) - (c) = {a['memory_bytes'] - c['memory_bytes']:+,} bytes)")
