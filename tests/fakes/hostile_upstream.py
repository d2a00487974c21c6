#!/usr/bin/env python3
"""A hostile upstream for the secrets tests: it echoes the credentials it receives.

Standard library only. Listens on loopback, HTTP/1.1.

    python3 tests/fakes/hostile_upstream.py [--port 0] [--port-file PATH]

The credential is whatever the gateway sent in `Authorization` (without "Bearer "),
`x-api-key` or `x-goog-api-key`. Every error this server produces quotes it whole, in the
message and in other fields, as a careless or malicious upstream could (OpenAI itself echoes a
masked key on 401).

The answer's shape follows the path: `/messages` is Anthropic, `:generateContent` and
`:streamGenerateContent` are Gemini, `/embeddings` is OpenAI embeddings, anything else is OpenAI
chat. Directives in the request body, `#hostile:key=value,...`:
    status=N        answer HTTP N with an error body echoing the credential (429 and 503 also
                    echo it in Retry-After and in an x-upstream-debug header)
    stream_error=1  a streaming request gets one chunk, then an error event echoing it
    garbage=1       HTTP 200 with a body that is not JSON and holds the credential
    delay_ms=N      wait before answering (for timeouts)
Otherwise a short successful answer that does not contain the credential.

GET .../health answers 200 with a body echoing the credential (active health checks).
GET /_seen returns {"credentials": [...]} (distinct values received), so a test can prove the
credential really reached this server and was echoed.
"""
import argparse
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIRECTIVE = re.compile(r"#hostile:([A-Za-z0-9_=,]+)")
SEEN = set()
LOCK = threading.Lock()


def directives(text):
    out = {}
    for group in DIRECTIVE.findall(text):
        for pair in group.split(","):
            if "=" in pair:
                k, v = pair.split("=", 1)
                out[k] = int(v) if v.isdigit() else v
    return out


def openai_error(status, cred):
    return {"error": {"message": f"Incorrect API key provided: {cred}. You can find your API key at "
                                 f"https://platform.example/account/api-keys.", "type": "invalid_request_error",
                      "code": f"invalid_api_key:{cred}", "param": cred}}


def anthropic_error(status, cred):
    return {"type": "error", "error": {"type": "authentication_error", "message": f"invalid x-api-key: {cred}"}}


def gemini_error(status, cred):
    return {"error": {"code": status, "message": f"API key not valid. Please pass a valid API key: {cred}",
                      "status": "INVALID_ARGUMENT", "details": [{"reason": "API_KEY_INVALID", "key": cred}]}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile/1"

    def log_message(self, fmt, *args):
        pass

    def credential(self):
        auth = self.headers.get("Authorization") or ""
        cred = auth[7:] if auth.startswith("Bearer ") else auth
        cred = cred or self.headers.get("x-api-key") or self.headers.get("x-goog-api-key") or ""
        if cred:
            with LOCK:
                SEEN.add(cred)
        return cred

    def send(self, status, body, ctype="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        cred = self.credential()
        if self.path == "/_seen":
            with LOCK:
                self.send(200, {"credentials": sorted(SEEN)})
        elif self.path.rstrip("/").endswith("/health"):
            self.send(200, {"status": "ok", "you_sent": cred})
        else:
            self.send(404, openai_error(404, cred))

    def do_POST(self):
        cred = self.credential()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        text = raw.decode("utf-8", "replace")
        d = directives(text)
        if d.get("delay_ms"):
            time.sleep(d["delay_ms"] / 1000.0)
        try:
            req = json.loads(raw or b"null")
        except ValueError:
            req = None
        kind = ("anthropic" if self.path.rstrip("/").endswith("/messages") else
                "gemini" if "generateContent" in self.path else
                "embeddings" if self.path.rstrip("/").endswith("/embeddings") else "openai")
        stream = (isinstance(req, dict) and bool(req.get("stream"))) or "streamGenerateContent" in self.path
        if "status" in d:
            status = d["status"]
            body = {"anthropic": anthropic_error, "gemini": gemini_error}.get(kind, openai_error)(status, cred)
            extra = [("Retry-After", cred), ("x-upstream-debug", cred)] if status in (429, 503) else []
            self.send(status, body, headers=extra)
            return
        if d.get("garbage"):
            self.send(200, f"<html>proxy error for key {cred}</html>".encode(), ctype="application/json")
            return
        if stream:
            self.stream(kind, cred, bool(d.get("stream_error")))
            return
        self.send(200, self.answer(kind))

    def answer(self, kind):
        if kind == "anthropic":
            return {"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
                    "content": [{"type": "text", "text": "fine"}], "stop_reason": "end_turn",
                    "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 1}}
        if kind == "gemini":
            return {"candidates": [{"content": {"role": "model", "parts": [{"text": "fine"}]},
                                    "finishReason": "STOP", "index": 0}],
                    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1, "totalTokenCount": 4}}
        if kind == "embeddings":
            return {"object": "list", "model": "e", "data": [{"object": "embedding", "index": 0,
                                                              "embedding": [0.1, 0.2]}],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        return {"id": "c1", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "fine"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}

    def stream(self, kind, cred, fail):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        if kind == "anthropic":
            events = [("message_start", {"type": "message_start", "message": {
                "id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 3, "output_tokens": 0}}}),
                ("content_block_start", {"type": "content_block_start", "index": 0,
                                         "content_block": {"type": "text", "text": ""}}),
                ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": "fine"}})]
            error = ("error", {"type": "error", "error": {"type": "overloaded_error", "message": f"key {cred} overloaded"}})
            tail = [("content_block_stop", {"type": "content_block_stop", "index": 0}),
                    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                       "usage": {"output_tokens": 1}}),
                    ("message_stop", {"type": "message_stop"})]
            frames = [f"event: {n}\ndata: {json.dumps(b)}\n\n" for n, b in events + ([error] if fail else tail)]
        elif kind == "gemini":
            chunk = {"candidates": [{"content": {"role": "model", "parts": [{"text": "fine"}]}, "index": 0}]}
            last = {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP",
                                    "index": 0}], "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1}}
            frames = [f"data: {json.dumps(chunk)}\n\n",
                      f"data: {json.dumps(gemini_error(500, cred) if fail else last)}\n\n"]
        else:
            def chunk(delta, finish=None):
                return {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            frames = [f"data: {json.dumps(chunk({'role': 'assistant', 'content': 'fine'}))}\n\n"]
            if fail:
                frames.append(f"data: {json.dumps(openai_error(500, cred))}\n\n")
            else:
                frames.append(f"data: {json.dumps(chunk({}, 'stop'))}\n\n")
                frames.append("data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 0,
                                                     "model": "m", "choices": [],
                                                     "usage": {"prompt_tokens": 3, "completion_tokens": 1,
                                                               "total_tokens": 4}}) + "\n\n")
                frames.append("data: [DONE]\n\n")
        for f in frames:
            self.wfile.write(f.encode())
            self.wfile.flush()
        self.close_connection = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(f"LISTENING 127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
