# guests.py, imported by the tests' scripts (intrude_guests.sh,
# intrude2_held.sh): root plays several uids at once, as a user with
# subordinate uids would (SO_PEERCRED sees as many users).
#
# play(uids, base, first, then, out): a child forked for each uid, one
# after another: as uid (and gid) base + i it runs first(), then writes
# a byte; the next is forked only then, so ngd meets them in order.
# Once every child has, the file out + ".ready" is made, and each runs
# then(state, say) with what its first() returned; say(text) sends its
# line of result back.  play() returns the lines in order, once every
# child has said its, and the children are reaped when they exit.
# wait_for(path): until a file the shell makes as its signal exists.
import os
import time


def wait_for(path, step=0.02):
    while not os.path.exists(path):
        time.sleep(step)


def play(uids, base, first, then, out):
    kids = []
    for i in range(uids):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.setgid(base + i)
            os.setuid(base + i)
            state = first()
            os.write(w, b"r")  # done: the next uid's turn
            then(state, lambda text: os.write(w, text.encode() + b"\n"))
            os._exit(0)
        os.close(w)
        os.read(r, 1)  # one uid after another
        kids.append((pid, r))
    with open(out + ".ready", "w"):
        pass
    lines = []
    for pid, r in kids:
        line = b""
        while not line.endswith(b"\n"):
            more = os.read(r, 64)
            if not more:
                break
            line += more
        lines.append(line.decode().strip())
    return lines, [pid for pid, r in kids]


def reap(pids):
    for pid in pids:
        os.waitpid(pid, 0)
