# shellcheck shell=bash
# Shared by the bench scripts (sourced): timing helpers. RUNS must be set.

# median_ms CMD...: runs CMD RUNS times after one warm-up, prints the median in ms.
median_ms() {
  python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time, statistics
runs = int(sys.argv[1]); cmd = sys.argv[2:]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
ts = []
for _ in range(runs):
    t0 = time.perf_counter(); subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL); ts.append((time.perf_counter() - t0) * 1e3)
print(f"{statistics.median(ts):.1f}")
PY
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
