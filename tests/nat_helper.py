#!/usr/bin/env python3
"""Small TCP/UDP ends for the nat system test and example (tests/system/
nat.sh, examples/nat-jails): servers that say who they saw, clients that
pick their source port.  Each mode is one short function.

  peers PORT LOG        TCP: log "addr port" of each peer, echo a line back
  hello PORT TEXT       TCP: answer TEXT and the peer's address, once each
  udp PORT              UDP: answer each datagram with the peer's address
  file PORT PATH        TCP: send PATH to each connection, then close
  client HOST PORT SPORT MSG   connect from SPORT, send MSG, hold 1 s, print
  get HOST PORT OUT     TCP: save all the server sends into OUT
  ask HOST PORT         TCP: print what the server says
  udpask HOST PORT      UDP: send one datagram, print the answer
"""
import socket
import sys
import threading
import time


def serve(port, handle):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)
    while True:
        c, peer = s.accept()
        threading.Thread(target=handle, args=(c, peer), daemon=True).start()


def peers(port, log):
    lock = threading.Lock()

    def handle(c, peer):
        with lock, open(log, "a") as f:
            f.write("%s %d\n" % peer)
        line = c.makefile().readline()
        c.sendall(("echo " + line).encode())
        c.close()

    serve(port, handle)


def hello(port, text):
    def handle(c, peer):
        c.sendall(("%s %s\n" % (text, peer[0])).encode())
        c.close()

    serve(port, handle)


def udp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(("%s %d" % peer).encode(), peer)


def file(port, path):
    def handle(c, peer):
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 16)
                if not b:
                    break
                c.sendall(b)
        c.close()

    serve(port, handle)


def client(host, port, sport, msg):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", sport))
    s.settimeout(10)
    s.connect((host, port))
    time.sleep(1)  # both clients hold their connection at once
    s.sendall((msg + "\n").encode())
    print(s.makefile().readline().strip())


def get(host, port, out):
    s = socket.create_connection((host, port), timeout=30)
    with open(out, "wb") as f:
        while True:
            b = s.recv(1 << 16)
            if not b:
                break
            f.write(b)


def ask(host, port):
    s = socket.create_connection((host, port), timeout=10)
    print(s.makefile().readline().strip())


def udpask(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(b"hi", (host, port))
    print(s.recvfrom(2048)[0].decode())


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    ints = {"peers": [0], "hello": [0], "udp": [0], "file": [0],
            "client": [1, 2], "get": [1], "ask": [1], "udpask": [1]}
    for i in ints[mode]:
        args[i] = int(args[i])
    globals()[mode](*args)
