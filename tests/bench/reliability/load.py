#!/usr/bin/env python3
"""A bounded load loop: REQUESTS chat requests from CONCURRENCY keep-alive connections to the
gateway on 127.0.0.1:PORT, as fast as they are answered. Prints one markdown table row:
label, requests, client-visible errors, error rate, p50 and p99 latency in ms.
Usage: load.py PORT LABEL [REQUESTS] [CONCURRENCY]"""
import http.client
import json
import sys
import threading
import time


def main():
    port, label = int(sys.argv[1]), sys.argv[2]
    total = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    conc = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "load test"}]})
    lock = threading.Lock()
    latencies, errors, left = [], [0], [total]

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if left[0] == 0:
                    break
                left[0] -= 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt)
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"| {label} | {total} | {errors[0]} | {100 * errors[0] / total:.3f}% | {p(.5):.2f} | {p(.99):.2f} |")


if __name__ == "__main__":
    main()
