#!/usr/bin/env python3
"""tests/journal_text.py FILE: a journal as the next ngd reads it (src/ngd/
journal.c, DESIGN decision 12): its snapshot with the whole records after
it applied, printed in a snapshot's order (nodes by ID, edges in the order
they were made, messages: each node's settings, then its learned table,
without its table line), without its end line.  A record's "msgs ID HEAD
TAIL" (version 5) keeps the first HEAD and the last TAIL of the node's
settings, the msg lines after it going between.  Checks every sum on the
way: the snapshot's end line (version 2 on: each line's FNV-1a 64, folded
in order) and each record's commit line (folded on from the one before); a
record cut short at the end is left out, as ngd leaves it out.  Exits 1,
saying why on stderr, if a sum is wrong.  -c: print only the number of
whole records."""
import re
import sys

M = (1 << 64) - 1
BASIS = 14695981039346656037


def fnv(b, h=BASIS):
    for c in b:
        h = ((h ^ c) * 1099511628211) & M
    return h


def fold(h, line):
    return ((h ^ fnv(line)) * 1099511628211) & M


def main():
    args = sys.argv[1:]
    count = "-c" in args
    args = [a for a in args if a != "-c"]
    t = open(args[0], "rb").read()
    lines = t.splitlines(keepends=True)
    version = int(lines[0].split()[1])
    h = BASIS
    i = 0
    while not lines[i].startswith(b"end "):
        h = fold(h, lines[i])
        i += 1
    if version >= 2 and int(lines[i].split()[1], 16) != h:
        sys.exit("bad: the snapshot's end line is not its sum")
    snap, recs = lines[:i], []
    rec = []
    for line in lines[i + 1:]:
        if not line.endswith(b"\n"):
            break  # cut short
        if line.startswith(b"commit "):
            if int(line.split()[1], 16) != h:
                sys.exit("bad: a record's commit line is not its sum")
            recs.append(rec)
            rec = []
        else:
            h = fold(h, line)
            rec.append(line)
    if count:
        print(len(recs))
        return
    head, nextid = snap[:2], None
    nodes, msgs, tabs, edges = {}, {}, {}, []  # id -> lines; [[a, ha, b, hb, line]]

    def cut(i, hook=None):
        for e in edges:
            if (e[0] == i and hook in (None, e[1])) or \
               (e[2] == i and hook in (None, e[3])):
                e[4] = None

    for part in [snap[2:]] + recs:
        # the node of the msg lines before, in its table, where in its
        # settings the next goes
        at = (None, False, 0)
        for line in part:
            w = line.split()
            kw, i = w[0], int(w[1], 16)
            if kw == b"msg":
                if at[0] == i and at[1]:
                    tabs.setdefault(i, []).append(line)
                else:
                    m = msgs.setdefault(i, [])
                    k = at[2] if at[0] == i else len(m)
                    m.insert(k, line)
                    at = (i, False, k + 1)
                continue
            at = (i, kw == b"table", 0) if kw in (b"msgs", b"table") else (None, False, 0)
            if kw == b"nextid":
                nextid = i
            elif kw == b"node":
                nodes[i] = [line]
            elif kw in (b"dev", b"ifdev"):
                nodes[i].append(line)
            elif kw == b"msgs" and len(w) == 4:
                m, k, t = msgs.get(i, []), int(w[2]), int(w[3])
                msgs[i] = m[:k] + m[len(m) - t:] if t else m[:k]
                at = (i, False, k)
            elif kw == b"msgs":
                msgs[i] = []
            elif kw == b"table":
                tabs[i] = []
            elif kw == b"hook":
                edges.append([i, w[2], int(w[3], 16), w[4], line])
            elif kw == b"unhook":
                cut(i, w[2])
            elif kw == b"drop":
                nodes.pop(i, None)
                msgs.pop(i, None)
                tabs.pop(i, None)
                cut(i)
            else:
                sys.exit("bad: %r" % line)
    out = b"".join(head) + b"nextid %08x\n" % nextid
    out += b"".join(b"".join(nodes[i]) for i in sorted(nodes))
    out += b"".join(e[4] for e in edges if e[4] is not None)
    out += b"".join(b"".join(msgs.get(i, []) + tabs.get(i, []))
                    for i in sorted(nodes))
    sys.stdout.buffer.write(out)


main()
