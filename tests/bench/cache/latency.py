#!/usr/bin/env python3
"""Latency through the gateway on one keep-alive connection, sequentially: a miss (a new prompt
each time: the exact and semantic lookups, then the fake upstream), an exact hit (one request
repeated) and a semantic hit (a rewording of a stored prompt, similarity 0.9740 under the
built-in embedder: an exact miss, then a semantic hit). Prints a markdown table.
Usage: latency.py GATEWAY_PORT REQUESTS"""
import http.client
import json
import sys
import time

NOTES = ("Please summarise the following meeting notes in three bullet points: the team agreed to ship the "
         "release on Friday after the last tests pass")
RESPELLED = ("Please summarize the following meeting notes in three bullet points: the team agreed to ship the "
             "release on Friday after the last tests pass.")


def body(text, system):
    return json.dumps({"model": "m", "temperature": 0,
                       "messages": [{"role": "system", "content": system}, {"role": "user", "content": text}]})


def post(conn, text, want, system="You are terse."):
    t0 = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body(text, system),
                 {"Content-Type": "application/json", "Authorization": "Bearer sk-bench"})
    r = conn.getresponse()
    r.read()
    us = (time.perf_counter() - t0) * 1e6
    got = r.getheader("x-switchyard-cache", "") + "/" + r.getheader("x-switchyard-cache-kind", "")
    if r.status != 200 or got != want:
        sys.exit(f"bench: expected {want}, got {r.status} {got}")
    return us


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    conn = http.client.HTTPConnection("127.0.0.1", port)
    post(conn, NOTES, "miss/")  # the stored answer the hits below get
    time.sleep(0.2)  # it is stored after it was sent
    # Each miss in a bucket of its own (its own system prompt), so none is a rewording of another.
    kinds = [("miss (fake upstream)", lambda i: (NOTES, "miss/", f"You are terse, #{i}.")),
             ("exact hit", lambda i: (NOTES, "hit/exact")),
             ("semantic hit", lambda i: (RESPELLED, "hit/semantic"))]
    rows = {name: [] for name, _ in kinds}
    for i in range(n // 10):  # warm-up, not counted
        for name, make in kinds:
            post(conn, *make(-1 - i))
    for i in range(n):  # interleaved, so that drift on the shared cores touches each kind alike
        for name, make in kinds:
            rows[name].append(post(conn, *make(i)))
    print("| request | p50 µs | p99 µs | mean µs |")
    print("|---|---:|---:|---:|")
    for name, v in rows.items():
        print(f"| {name} | {pct(v, 0.5):.0f} | {pct(v, 0.99):.0f} | {sum(v) / len(v):.0f} |")


if __name__ == "__main__":
    main()
