#!/usr/bin/env python3
"""Slow clients for tests/bench/edge/run.sh, bounded in count and time.

    slow_clients.py --port P --conns N --seconds S --mode slowloris|never-read

slowloris:  each connection sends a request line and the start of a header, then one more
            header byte per connection every second (never completing the head).
never-read: each connection sends a whole chat request and never reads the answer.
Connections open 25 at a time, 50 ms apart. Prints `READY <open>` once all are connected, and at the end `CLOSED <n>` (connections the
server closed during the run). Loopback only.
"""
import argparse
import select
import socket
import sys
import time

BODY = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"never read"}]}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--mode", choices=["slowloris", "never-read"], default="slowloris")
    ap.add_argument("--burst", action="store_true",
                    help="slowloris: send every connection's byte at once each second (default: spread over it)")
    a = ap.parse_args()
    socks = []
    for i in range(a.conns):
        if i % 25 == 24:
            time.sleep(0.05)  # arrivals spread over a second or so, not one burst
        s = socket.create_connection(("127.0.0.1", a.port))
        if a.mode == "slowloris":
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
        else:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                      b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
        socks.append(s)
    print(f"READY {len(socks)}", flush=True)
    closed = set()
    end = time.monotonic() + a.seconds
    gap = 0 if a.burst else 1.0 / max(len(socks), 1)
    while time.monotonic() < end:
        if a.mode == "slowloris":
            for i, s in enumerate(socks):
                if i in closed:
                    continue
                if gap:
                    time.sleep(gap)
                r, _, _ = select.select([s], [], [], 0)
                try:
                    if r:  # an answer (408) or the close
                        closed.add(i)
                    else:
                        s.send(b"a")
                except OSError:
                    closed.add(i)
        if not gap or a.mode != "slowloris":
            time.sleep(1)
    print(f"CLOSED {len(closed)}", flush=True)
    for s in socks:
        s.close()


if __name__ == "__main__":
    sys.exit(main())
