#!/usr/bin/python3
"""Runs a command and samples the proportional set size (PSS) of its whole process tree (the
command and every worker it forks) every 20 ms; prints the wall time and the peak summed PSS."""
import os, subprocess, sys, time

def tree(pid):
    out = [pid]
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                for c in f.read().split():
                    out += tree(int(c))
    except OSError:
        pass
    return out

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0

t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:])
peak = 0
while p.poll() is None:
    peak = max(peak, sum(pss(q) for q in tree(p.pid)))
    time.sleep(0.02)
print(f"wall_s {time.monotonic() - t0:.2f} peak_pss_mb {peak / 2**20:.1f} rc {p.returncode}", file=sys.stderr)
sys.exit(p.returncode)
