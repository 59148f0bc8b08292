#!/usr/bin/env python3
"""Where a path's frames are dropped: counters before and after a run.

  drops.py snap FILE SIDE=NS[,NS...] ... [SIDE@NODE ... [ngctl=CMD]]
                                           write the counters to FILE
  drops.py diff LABEL OLD NEW              one line: what rose between them

A SIDE is a name the line prints (snd, rcv, mid); each NS is a name under
/run/netns, a path to a namespace file (ngd's data plane), or "-" for the
namespace the bench runs in.  Counted in each: the devices' rx/tx
dropped (veth counts a frame its peer's backlog refused as its own tx
drop), UDP's SndbufErrors, RcvbufErrors and InErrors, IP's OutDiscards,
and UDP datagrams out and in.  SIDE@NODE: an eiface node's ether hook
counters (`ngctl show -s`, CMD the ngctl to run, default ngctl): frames
out of the sender's into the graph, into the receiver's from it, and
drops.  The machine's per-CPU backlog drops and time squeezes
(/proc/net/softnet_stat columns 2 and 3) are global: other traffic on
the machine shows there too.
"""
import json
import os
import subprocess
import sys

SNMP = {("Ip", "OutDiscards"): "ipout_disc",
        ("Udp", "OutDatagrams"): "udp_out",
        ("Udp", "InDatagrams"): "udp_in",
        ("Udp", "SndbufErrors"): "sndbuf",
        ("Udp", "RcvbufErrors"): "rcvbuf",
        ("Udp", "InErrors"): "inerr"}


def enter(ns):
    if ns == "-":
        return []
    path = ns if ns.startswith("/") else "/run/netns/" + ns
    return ["nsenter", "--net=" + path]


def snmp(ns):
    out = subprocess.run(enter(ns) + ["cat", "/proc/net/snmp"],
                         capture_output=True, text=True).stdout.splitlines()
    got = {}
    for head, vals in zip(out[::2], out[1::2]):
        proto, names = head.split(":", 1)
        for n, v in zip(names.split(), vals.split(":", 1)[1].split()):
            if (proto, n) in SNMP:
                got[SNMP[(proto, n)]] = int(v)
    return got


def links(ns):
    out = subprocess.run(enter(ns) + ["ip", "-s", "-j", "link"],
                         capture_output=True, text=True).stdout
    got = {}
    for l in json.loads(out or "[]"):
        name = l["ifname"]
        if name == "lo":
            continue
        st = l.get("stats64", {})
        got[name + ".txdrop"] = st.get("tx", {}).get("dropped", 0)
        got[name + ".rxdrop"] = st.get("rx", {}).get("dropped", 0)
    return got


def softnet():
    got = {}
    with open("/proc/net/softnet_stat") as f:
        for cpu, line in enumerate(f):
            c = line.split()
            got["cpu%d.backlog" % cpu] = int(c[1], 16)
            got["cpu%d.squeeze" % cpu] = int(c[2], 16)
    return got


def hook(ngctl, node):
    out = subprocess.run(ngctl.split() + ["show", "-s", node + ":"],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        c = line.split()
        if len(c) == 10 and c[0] == "ether" and c[5].isdigit():
            return {"hook_in": int(c[5]), "hook_out": int(c[7]),
                    "hook_drops": int(c[9])}
    return {}


def snap(path, sides):
    d = {"softnet": softnet()}
    ngctl = next((s.split("=", 1)[1] for s in sides
                  if s.startswith("ngctl=")), "ngctl")
    for s in sides:
        if s.startswith("ngctl="):
            continue
        if "@" in s:
            side, node = s.split("@", 1)
            d[side + ":" + node] = hook(ngctl, node)
            continue
        side, nss = s.split("=", 1)
        for ns in nss.split(","):
            key = side + ":" + (os.path.basename(ns) if ns != "-" else "-")
            d[key] = {**snmp(ns), **links(ns)}
    with open(path, "w") as f:
        json.dump(d, f)


def diff(label, a, b):
    with open(a) as f:
        old = json.load(f)
    with open(b) as f:
        new = json.load(f)
    head, parts = {}, []
    for key in new:
        if key == "softnet":
            continue
        o = old.get(key, {})
        side = key.split(":", 1)[0]
        for n, v in sorted(new[key].items()):
            d = v - o.get(n, 0)
            if (side, n) in (("snd", "udp_out"), ("rcv", "udp_in"),
                             ("snd", "hook_out"), ("rcv", "hook_in")):
                head[side + ":" + n] = d
            elif n not in ("udp_out", "udp_in", "hook_in", "hook_out") and d:
                parts.append("%s:%s=%d" % (side, n, d))
    first = ["sent=%d" % head.pop("snd:udp_out", 0),
             "rcvd=%d" % head.pop("rcv:udp_in", 0)]
    first += ["%s=%d" % kv for kv in sorted(head.items(), reverse=True)]
    sn = ["%s=%d" % (n, v - old["softnet"].get(n, 0))
          for n, v in sorted(new["softnet"].items())
          if v != old["softnet"].get(n, 0)]
    print("# drops %s: %s | %s | softnet (whole machine): %s" % (
        label, " ".join(first), " ".join(parts) or "none",
        " ".join(sn) or "-"))


if __name__ == "__main__":
    if sys.argv[1] == "snap":
        snap(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "diff":
        diff(*sys.argv[2:5])
