#!/usr/bin/env python3
"""A ping's round trips one by one, and what else ran meanwhile.

  pingdist.py LABEL OUT [DATAPLANE...] -- PING_COMMAND...

Runs PING_COMMAND (a `ping -D` without -q), writes its output to OUT
(measure.sh reads the average there) and prints one line:

  # ping LABEL: n= min= p50= p90= p99= max= avg= avg99= slow=K[ SEQ:US...]
    slowpath=N bench_cpu_ms=B machine_busy_ms=M

in microseconds: avg99 is the mean of the fastest 99% (an average of 200
that one slow ping moves shows here as avg far above avg99); slow counts
the pings over 4x the median (the first five listed, sequence:us).
slowpath: frames through the `ngslow` TAP of each DATAPLANE (an ngd's
data-plane namespace file) meanwhile, any port's (in bench/run's
interleaved set the tee row's IPv6 router solicitations show in other
rows: 2-4, a tcpdump on ngslow found no other); 0 when nothing took the
userspace path.  bench_cpu_ms: the CPU time every other process this PID
namespace shows (the bench's sandbox: its ngds, Open vSwitch, iperf3
servers still exiting) used during the pings; machine_busy_ms: all CPUs'
busy time (/proc/stat: other users of the machine too).
"""
import os
import re
import statistics
import subprocess
import sys

HZ = os.sysconf("SC_CLK_TCK")


def ngslow(dataplanes):
    n = 0
    for d in dataplanes:
        try:
            out = subprocess.run(["nsenter", "--net=" + d, "cat",
                                  "/proc/net/dev"], capture_output=True,
                                 text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        for line in out.splitlines():
            name, _, rest = line.partition(":")
            if name.strip() == "ngslow":
                f = rest.split()
                n += int(f[1]) + int(f[9])  # rx and tx packets
    return n


def cpu_ticks(skip):
    """{pid: utime+stime} of every process but skip's."""
    t = {}
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) in skip:
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                s = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        t[int(p)] = int(s[11]) + int(s[12])
    return t


def busy():
    """All CPUs' busy ticks (all but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]


def main():
    label, out = sys.argv[1], sys.argv[2]
    i = sys.argv.index("--")
    dataplanes, cmd = sys.argv[3:i], sys.argv[i + 1:]
    me = {os.getpid(), os.getppid()}
    s0, c0, b0 = ngslow(dataplanes), cpu_ticks(me), busy()
    with open(out, "w") as f:
        p = subprocess.Popen(cmd, stdout=f)
        p.wait()
    b1, c1, s1 = busy(), cpu_ticks(me | {p.pid}), ngslow(dataplanes)
    # processes that lived through the pings, and those that began then
    bench = sum(v - c0.get(k, 0) for k, v in c1.items())
    pts = []
    with open(out) as f:
        for line in f:
            m = re.search(r"icmp_seq=(\d+) .*time=([\d.]+) ms", line)
            if m:
                pts.append((int(m.group(1)), float(m.group(2)) * 1000))
    if not pts:
        print("# ping %s: n=0" % label)
        return
    r = sorted(us for _, us in pts)
    q = lambda f: r[min(len(r) - 1, int(f * len(r)))]
    med = statistics.median(r)
    slow = [(s, us) for s, us in pts if us > 4 * med]
    keep = r[:max(1, len(r) - len(r) // 100)]
    print("# ping %s: n=%d min=%.0f p50=%.0f p90=%.0f p99=%.0f max=%.0f "
          "avg=%.1f avg99=%.1f slow=%d%s slowpath=%d bench_cpu_ms=%d "
          "machine_busy_ms=%d"
          % (label, len(r), r[0], med, q(.9), q(.99), r[-1],
             sum(r) / len(r), sum(keep) / len(keep), len(slow),
             "".join(" %d:%.0f" % x for x in slow[:5]), s1 - s0,
             bench * 1000 // HZ, (b1 - b0) * 1000 // HZ))


if __name__ == "__main__":
    main()
