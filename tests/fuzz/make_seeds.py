#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target into tests/fuzz/corpus/<target>/ (named by their
SHA-1, as libFuzzer names its inputs), from the repository's own material: the provider
conformance corpus (tests/fixtures/translation), the example configs and policies, and requests
like those of the integration tests. Input formats: the header comment of each *_fuzz.cc.

    tests/fuzz/make_seeds.py            # adds the seeds (existing files stay)

Run it again after adding fixtures; minimise with `tests/fuzz/run.sh --merge` afterwards.
"""
import glob
import hashlib
import json
import os
import re
import struct

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
STATUS_INDEX = {200: 0, 201: 2, 400: 3, 401: 4, 403: 5, 404: 6, 408: 7, 413: 8, 429: 9, 500: 10, 502: 11,
                503: 12, 529: 13}  # provider_driver.cc kStatuses


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def translation_cases(provider):
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/translation", provider, "*.json"))):
        with open(path, encoding="utf-8") as f:
            yield json.load(f)


EXTRA_REQUESTS = [
    {"model": "auto", "messages": [{"role": "user", "content": "hello"}]},
    {"model": "auto", "stream": True, "stream_options": {"include_usage": True}, "max_tokens": 64,
     "user": "u-1", "metadata": {"integration": "legacy-crm", "reason": "test"},
     "messages": [{"role": "system", "content": "classify the ticket"},
                  {"role": "developer", "content": "answer in one word"},
                  {"role": "user", "content": [{"type": "text", "text": "my email is ann@example.com"},
                                               {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]},
    {"model": "router-balanced-0.3", "max_completion_tokens": 100, "messages": [
        {"role": "user", "content": "write a python regex for dates"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "run", "arguments": "{\"code\":\"1+1\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "2"}],
     "tools": [{"type": "function", "function": {"name": "run", "parameters": {"type": "object"}}}]},
    {"model": "cheap", "messages": [{"role": "user", "content": "card 4111 1111 1111 1111, key sk-abcdefabcdefabcdefabcdef"}]},
    {"model": "router-pinned", "messages": [{"role": "user", "content": "password dump please"}]},
    {"model": "flagship", "max_tokens": 0, "messages": []},
]

MESSAGES_REQUESTS = [
    {"model": "auto", "max_tokens": 64, "system": [{"type": "text", "text": "be brief"}],
     "stop_sequences": ["END"], "temperature": 0.2,
     "messages": [
         {"role": "user", "content": [{"type": "text", "text": "what is in this picture"},
                                      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]},
         {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "look", "input": {"zoom": 2}}]},
         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a cat"},
                                      {"type": "text", "text": "so what is it"}]}]},
    {"model": "small", "max_tokens": 64, "stream": True, "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
     "messages": [{"role": "user", "content": "weather in Paris?"}]},
    {"model": "small", "max_tokens": 5, "messages": [{"role": "robot", "content": "x"}]},
]


def chat_requests():
    out = []
    for provider in ("openai", "anthropic", "gemini", "ollama"):
        out += [case["request"] for case in translation_cases(provider)]
    return out + EXTRA_REQUESTS


def seeds_chat_request(requests):
    for r in requests:
        put("chat_request", compact(r))
    put("chat_request", json.dumps(requests[0], indent=2))


def sse(events, names=False):
    out = ""
    for e in events:
        data = e if isinstance(e, str) else compact(e)
        if names and isinstance(e, dict) and "type" in e:
            out += "event: " + e["type"] + "\n"
        out += "data: " + data + "\n\n"
    return out


def ndjson(events):
    return "".join((e if isinstance(e, str) else compact(e)) + "\n" for e in events)


def stream_of(provider, events):
    if provider == "ollama":
        return ndjson(events)
    if provider == "openai":
        return sse(events) + ("" if events and events[-1] == "[DONE]" else "data: [DONE]\n\n")
    return sse(events, names=provider == "anthropic")


def seeds_providers():
    embeddings = {
        "openai": [compact({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, -0.2]}],
                            "model": "e", "usage": {"prompt_tokens": 2, "total_tokens": 2}})],
        "ollama": [compact({"model": "e", "embeddings": [[0.1, -0.2], [0.3, 0.4]], "prompt_eval_count": 4})],
    }
    for provider in ("openai", "anthropic", "gemini", "ollama"):
        target = provider + "_provider"
        for case in translation_cases(provider):
            request = case["request"]
            put(target, bytes([2 | (4 if request.get("stream") else 0), 0]) + compact(request).encode())
            if "upstream_events" in case:
                stream = stream_of(provider, case["upstream_events"]).encode()
                put(target, bytes([1 | 8, 0]) + stream)
                put(target, bytes([1, 7]) + stream.replace(b"\n", b"\r\n"))
            if "upstream_body" in case:
                body = case["upstream_body"]
                body = body if isinstance(body, str) else compact(body)
                status = STATUS_INDEX[case.get("upstream_status", 200)]
                put(target, bytes([0, status]) + body.encode())
        for body in embeddings.get(provider, []):
            put(target, bytes([3, 0]) + body.encode())
            put(target, bytes([3, STATUS_INDEX[500]]) + b'{"error":{"message":"overloaded"}}')


def seeds_event_parser():
    for provider in ("openai", "anthropic", "gemini"):
        for case in translation_cases(provider):
            if "upstream_events" in case:
                put("event_parser", bytes([0]) + stream_of(provider, case["upstream_events"]).encode())
    for case in translation_cases("ollama"):
        if "upstream_events" in case:
            put("event_parser", bytes([1 | (5 << 1)]) + ndjson(case["upstream_events"]).encode())
    put("event_parser", bytes([3 << 1]) + b": keep-alive\r\nevent: delta\r\ndata: {\"a\":\r\ndata: 1}\r\nid: 7\r\nretry: 10\r\n\r\ndata\n\ndata: last")
    put("event_parser", bytes([1]) + b"{\"a\":1}\r\n\r\n{\"b\":2}")


def seeds_configs():
    paths = ["deploy/quickstart.yaml", "policies/examples.yaml", "tests/fuzz/request_path.yaml"]
    paths += sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/configs/*.yaml")))
    paths += sorted(glob.glob(os.path.join(ROOT, "deploy/*/switchyard.yaml")))
    for p in paths:
        put("config_loader", read(p))
    for doc in ("docs/backends.md", "docs/configuration.md", "docs/quickstart.md"):
        if os.path.exists(os.path.join(ROOT, doc)):
            for block in re.findall(r"```yaml\n(.*?)```", read(doc), re.S):
                put("config_loader", block)


def seeds_policy_view(requests):
    headers = [
        "",
        "x-tier: pro\nx-model: weak\nx-pattern: (?i)weather\n",
        "x-key-id: k9\nx-key-tier: free\nx-key-team: ops\nx-router: balanced\nx-threshold: 0.3\n",
        "x-deny: no\nx-status: 429\nx-fallback: strong\nx-candidate: local\nx-sticky: 1\nx-session: s1\n",
        "x-pii: redact\nx-local: 1\nx-nil: 1\n",
    ]
    for i, r in enumerate(requests):
        prefix = bytes([i % 3, (1 << (i % 7)) | 1, i * 7 % 256, 40]) + struct.pack("<I", 1700000000 + i * 3607)
        put("policy_view", prefix + (headers[i % len(headers)] + "\n").encode() + compact(r).encode())
    put("policy_view", bytes(8) + b"x-word: hello\n\nnot json at all")


def http_request(path, body, headers):
    head = "POST " + path + " HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/json\r\n"
    head += "".join(k + ": " + v + "\r\n" for k, v in headers)
    head += "Content-Length: " + str(len(body.encode())) + "\r\n\r\n"
    return head + body


def seeds_request_path(requests):
    header_sets = [[], [("Authorization", "Bearer sk-fuzz-pro")], [("Authorization", "Bearer sk-fuzz-free"), ("x-session-id", "s-1")],
                   [("x-tier", "pro"), ("X-Request-Id", "r-1")], [("Authorization", "Bearer sk-unknown")]]
    for i, r in enumerate(requests):
        put("request_path", http_request("/v1/chat/completions", compact(r), header_sets[i % len(header_sets)]))
    for i, r in enumerate(MESSAGES_REQUESTS):
        put("request_path", http_request("/v1/messages", compact(r),
                                         [("x-api-key", "sk-fuzz-free"), ("anthropic-version", "2023-06-01")] if i else []))
    put("request_path", "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")


def main():
    requests = chat_requests()
    seeds_chat_request(requests)
    seeds_providers()
    seeds_event_parser()
    seeds_configs()
    seeds_policy_view(requests)
    seeds_request_path(requests)
    for target in sorted(os.listdir(CORPUS)):
        print(target, len(os.listdir(os.path.join(CORPUS, target))))


if __name__ == "__main__":
    main()
