#!/usr/bin/env python3
"""Sends N chat requests, one after the other on one keep-alive connection, with the body of the
peers' wrk script (JSON mode) and the given model and headers; exits 1 unless every answer is 200.
Usage: requests.py PORT N MODEL ['Name: value' ...]"""
import http.client
import json
import sys

# The body of ../shared/bench/peers/wrk/chat.lua in JSON mode (960 bytes with gpt-4o-mini).
BODY = {
    "model": "gpt-4o-mini", "stream": False, "temperature": 0.2, "max_tokens": 256, "user": "bench-user-0042",
    "messages": [
        {"role": "system", "content": "You are a concise assistant for an e-commerce support desk. Answer in at most "
         "three sentences, cite the order number when one is given, never invent tracking numbers, and escalate to a "
         "human when the customer mentions a refund over 500 dollars."},
        {"role": "user", "content": "Hi, my order #A-99812 was supposed to arrive on Monday but the tracking page has "
         "not updated since it left the warehouse. Can you tell me what is going on?"},
        {"role": "assistant", "content": "I am sorry about the delay with order #A-99812. The carrier shows the parcel "
         "in transit at the regional hub; scans are sometimes skipped there. It should update within 24 hours."},
        {"role": "user", "content": "OK. If it does not show up by Friday, what are my options? I need it for a "
         "birthday on Saturday and I would rather not pay for express shipping twice."},
    ],
}


def main(argv):
    port, n, model = int(argv[0]), int(argv[1]), argv[2]
    headers = {"Content-Type": "application/json"}
    for h in argv[3:]:
        name, value = h.split(": ", 1)
        headers[name] = value
    body = json.dumps(dict(BODY, model=model), separators=(",", ":"))
    conn = http.client.HTTPConnection("127.0.0.1", port)
    bad = 0
    for _ in range(n):
        conn.request("POST", "/v1/chat/completions", body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        bad += resp.status != 200
    if bad:
        print(f"{bad} of {n} answers were not 200", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
