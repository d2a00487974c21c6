#!/usr/bin/env python3
"""Time to the first streamed event, straight from the fake upstream and through the gateway,
for each provider's wire format (OpenAI SSE, Anthropic SSE, Gemini SSE, Ollama NDJSON). The
difference is what translation and relaying add before the first byte reaches a client.
Usage: ttft.py GATEWAY_PORT FAKE_PORT [REQUESTS]. Prints a markdown table."""
import json
import socket
import sys
import time


def first_event_ms(port, path, body, headers=()):
    payload = json.dumps(body).encode()
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
            f"Content-Length: {len(payload)}", "Connection: close", *headers]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.perf_counter()
    s.sendall(raw)
    buf = b""
    while True:
        data = s.recv(65536)
        if not data:
            raise RuntimeError(f"closed before the first event: {buf[:300]!r}")
        buf += data
        end = buf.find(b"\r\n\r\n")
        if end >= 0 and (b"data:" in buf[end:] or b'{"model"' in buf[end:]):
            t = (time.perf_counter() - t0) * 1000
            break
    status = buf.split(b" ", 2)[1]
    if status != b"200":
        raise RuntimeError(f"HTTP {status}: {buf[:300]!r}")
    s.close()
    return t


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]


def main():
    gw, fake, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 300
    msg = [{"role": "user", "content": "one two three four five"}]
    formats = [
        ("openai (SSE)", "gpt", "/v1/chat/completions", {"model": "m", "stream": True, "messages": msg}, ()),
        ("anthropic (SSE events)", "claude", "/v1/messages",
         {"model": "m", "max_tokens": 64, "stream": True, "messages": msg}, ("anthropic-version: 2023-06-01",)),
        ("gemini (SSE, CRLF)", "gemini", "/v1/models/m:streamGenerateContent?alt=sse",
         {"contents": [{"role": "user", "parts": [{"text": "one two three four five"}]}]}, ("x-goog-api-key: k",)),
        ("ollama (NDJSON)", "ollama", "/api/chat", {"model": "m", "stream": True, "messages": msg}, ()),
    ]
    print("| upstream format | direct p50 ms | direct p99 ms | via gateway p50 ms | via gateway p99 ms | added p50 ms | added p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for label, model, path, body, headers in formats:
        direct, via = [], []
        for i in range(n + n // 10):  # interleaved, so that both see the same machine state
            d = first_event_ms(fake, path, body, headers)
            g = first_event_ms(gw, "/v1/chat/completions", {"model": model, "stream": True, "messages": msg})
            if i >= n // 10:
                direct.append(d)
                via.append(g)
        print(f"| {label} | {pct(direct, .5):.3f} | {pct(direct, .99):.3f} | {pct(via, .5):.3f} | {pct(via, .99):.3f} | "
              f"{pct(via, .5) - pct(direct, .5):+.3f} | {pct(via, .99) - pct(direct, .99):+.3f} |")


if __name__ == "__main__":
    main()
