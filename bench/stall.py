#!/usr/bin/env python3
"""Abuse load for bench/abuse.sh: N connections that declare a body and stall after a few bytes, reopened when the
relay closes them (readTimeout), until SECONDS have passed. Loopback only."""
import socket, sys, time, selectors

port, n, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
head = b"POST /ingest?name=stall.app HTTP/1.1\r\nHost: relay\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 512
sel = selectors.DefaultSelector()
opened = 0
def open_one():
    global opened
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    opened += 1
for _ in range(n):
    open_one()
end = time.time() + seconds
while time.time() < end:
    for key, _ in sel.select(timeout=0.5):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            sel.unregister(s)
            s.close()
            if time.time() < end:
                open_one()
print(opened)
