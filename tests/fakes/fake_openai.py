#!/usr/bin/env python3
"""A fake OpenAI-compatible upstream for the gateway's integration tests and benchmarks.

Standard library only. Listens on loopback, HTTP/1.1 with keep-alive.

    python3 tests/fakes/fake_openai.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
                                      [--status N] [--delay-ms N] [--chunk-delay-ms N] [--cut-after N]
                                      [--error-rate R] [--filter-word W [--filter-as-answer]]

Prints `LISTENING <host>:<port>` once listening; --port-file gets the port (written atomically).

POST /v1/chat/completions
    Answer text: "echo: " + the text of the last user message (string content or the text
    parts of an array). With `words=N` the answer is "echo: w1 w2 ... wN" instead.
    Non-streaming: a chat.completion with usage {prompt_tokens = chars of all messages // 4 + 1,
    completion_tokens = words in the answer}. Streaming (`"stream": true`): chunked SSE, one
    role chunk, one chunk per word (deltas concatenate to the answer), a finish chunk, a usage
    chunk (`choices: []`) when stream_options.include_usage is true, then `data: [DONE]`.
    With `tools` and "weather" in the last user message: a call to the first tool with
    arguments {"city": "Paris"} (finish_reason tool_calls; streamed in fragments).

Directives, read from the last user message as `#fake:key=value,key=value` (CLI flags give
defaults):
    status=N          answer HTTP N with an OpenAI error body (429 adds Retry-After: 1)
    delay_ms=N        wait N ms before sending the response head
    chunk_delay_ms=N  wait N ms between stream chunks
    cut_after=N       stream: N content chunks, then close the connection abruptly;
                      non-streaming: promise more bytes than sent, send half, close
    malformed=1       non-streaming: invalid JSON body; streaming: one bad event, then [DONE]
    words=N           answer with exactly N words after "echo:"
    (--answer TEXT answers every chat request with TEXT instead: a judge with a fixed verdict)
    (--redirect-to URL answers every chat request 302 Found with Location: URL, counted as a request)

Content filter (--filter-word W): a chat request whose last user message contains W is refused
as OpenAI's moderation does, HTTP 400 with code content_policy_violation; with
--filter-as-answer it is answered 200 with empty content and finish_reason content_filter (as
Azure OpenAI filters an answer).

POST /v1/embeddings (OpenAI) and POST /api/embed (Ollama)
    One vector per input string: its lower-cased words hashed (MD5) into 16 signed buckets,
    L2-normalised, so texts sharing words are similar; `encoding_format: base64` gives the
    little-endian float32 bytes in base64, as OpenAI does. Directives in an input work as for chat
    (status, delay_ms). Counted in _stats as "embeddings" (one per HTTP request).

POST /v1/messages   the Anthropic Messages API, validated strictly (fake_anthropic.py)
POST /api/chat      Ollama's native chat API with NDJSON streams (fake_ollama.py)
POST .../models/M:generateContent, :streamGenerateContent?alt=sse   Gemini (fake_gemini.py)

POST /v1/traces     an OTLP/HTTP JSON trace receiver (a stand-in collector); --status N refuses
GET /_spans         the last 10,000 spans received, flattened, each with "service" (its service.name);
                    /_stats counts them all in "spans_received"
GET /v1/models      one model, fake-model
GET .../health      {"status": "ok"}, or the --status error (active health checks)
GET /_stats         {"requests", "streams_started", "streams_completed",
                     "streams_aborted_by_client", "active_streams"}; a stream is aborted by the
                     client when the peer closes before it ends
GET /_requests      the last 50 chat requests: {"path", "headers" (lower-cased), "body"}
POST /_reset        clears stats and recorded requests
"""
import argparse
import json
import os
import re
import select
import signal
import socket
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_anthropic  # noqa: E402  (the Anthropic Messages side of this fake)
import fake_gemini  # noqa: E402  (Gemini generateContent)
import fake_ollama  # noqa: E402  (Ollama's native /api/chat)

DIRECTIVE = re.compile(r"#fake:([A-Za-z0-9_=,.-]+)")


class State:
    """Counters and recorded requests, shared by the handler threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stats = {}
        self.recorded = deque(maxlen=50)
        self.spans = deque(maxlen=10000)  # the last OTLP spans received (POST /v1/traces), flattened
        self.reset()

    def reset(self):
        with self.lock:
            self.stats = {"requests": 0, "embeddings": 0, "streams_started": 0, "streams_completed": 0,
                          "streams_aborted_by_client": 0, "active_streams": 0, "spans_received": 0}
            self.recorded.clear()
            self.spans.clear()

    def bump(self, key, by=1):
        with self.lock:
            self.stats[key] += by


STATE = State()
DEFAULTS = {}
ERRORS = {"rate": 0.0}
ERROR_RNG = __import__("random").Random(42)
ERROR_LOCK = threading.Lock()


class ClientGone(Exception):
    pass


FILTER = {"word": None, "as_answer": False}
ANSWER = {"text": None}  # --answer: a fixed chat answer (a judge that always says the same)
REDIRECT = {"to": None}  # --redirect-to: answer chat requests with a 302 to this URL
NAGLE = {"on": False}  # --nagle: Nagle left on (writes wait for the ACK of the one before)


def message_text(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def directives(text):
    out = dict(DEFAULTS)
    for group in DIRECTIVE.findall(text or ""):
        for pair in group.split(","):
            if "=" in pair:
                k, v = pair.split("=", 1)
                try:
                    out[k] = int(v)
                except ValueError:
                    pass
    return out


def error_body(status):
    if status == 429:
        etype, code = "rate_limit_error", "rate_limit_exceeded"
    elif status >= 500:
        etype, code = "server_error", "server_error"
    else:
        etype, code = "invalid_request_error", "invalid_request"
    return {"error": {"message": f"fake upstream error {status}", "type": etype, "code": code, "param": None}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        # As production servers do: each write goes out at once (no Nagle wait for an ACK).
        # --nagle (or FAKE_NAGLE=1) leaves Nagle on, to check that the gateway copes with servers
        # that do not: their second small write waits for the gateway's ACK of the first.
        if not NAGLE["on"]:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ------------------------------------------------------------ plumbing
    def send_json(self, status, obj, extra_headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def peer_closed(self):
        """True when the client closed its end (readable with no data)."""
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if not r:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def write_chunk(self, data: bytes):
        if self.peer_closed():
            raise ClientGone()
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            raise ClientGone()

    def sleep_watching(self, ms):
        """Sleeps ms, noticing a client that closes meanwhile."""
        deadline = time.monotonic() + ms / 1000.0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if r and self.peer_closed():
                raise ClientGone()

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def receive_traces(self, raw):
        """An OTLP/HTTP JSON receiver: keeps each span with its service.name."""
        status = DEFAULTS.get("status", 200)
        if status != 200:
            self.send_json(status, error_body(status))
            return
        try:
            req = json.loads(raw)
            spans = []
            for rs in req["resourceSpans"]:
                attrs = {a["key"]: a["value"] for a in rs["resource"]["attributes"]}
                service = attrs["service.name"]["stringValue"]
                for ss in rs["scopeSpans"]:
                    for span in ss["spans"]:
                        span["service"] = service
                        spans.append(span)
        except (ValueError, KeyError, TypeError) as e:
            self.send_json(400, {"error": {"message": f"bad OTLP JSON: {e}"}})
            return
        with STATE.lock:
            STATE.spans.extend(spans)
            STATE.stats["spans_received"] += len(spans)
        self.send_json(200, {})

    # ------------------------------------------------------------ routes
    def do_GET(self):
        if self.path == "/_stats":
            with STATE.lock:
                self.send_json(200, dict(STATE.stats))
        elif self.path == "/_spans":
            with STATE.lock:
                self.send_json(200, list(STATE.spans))
        elif self.path == "/_requests":
            with STATE.lock:
                self.send_json(200, list(STATE.recorded))
        elif self.path.rstrip("/").endswith("/health"):  # for active health checks: --status makes it fail
            status = DEFAULTS.get("status", 200)
            self.send_json(status, {"status": "ok"} if status == 200 else error_body(status))
        elif self.path.rstrip("/").endswith("/models"):
            self.send_json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model", "created": 0,
                                                             "owned_by": "fake"}]})
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error",
                                           "code": "not_found", "param": None}})

    def do_POST(self):
        raw = self.read_body()
        if self.path == "/v1/traces":
            self.receive_traces(raw)
            return
        if self.path == "/_reset":
            STATE.reset()
            self.send_json(200, {"ok": True})
            return
        if fake_gemini.PATH.search(self.path):
            try:
                req = json.loads(raw or b"null")
            except ValueError as e:
                self.send_json(400, fake_gemini.error(400, f"Invalid JSON payload: {e}"))
                return
            with STATE.lock:
                STATE.recorded.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": req})
            try:
                fake_gemini.handle(self, req, directives, DIRECTIVE, STATE)
            except ClientGone:
                self.close_connection = True
            return
        if self.path.rstrip("/") == "/api/chat":
            try:
                req = json.loads(raw or b"null")
            except ValueError as e:
                self.send_json(400, {"error": f"invalid JSON: {e}"})
                return
            with STATE.lock:
                STATE.recorded.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": req})
            try:
                fake_ollama.handle(self, req, directives, DIRECTIVE, STATE)
            except ClientGone:
                self.close_connection = True
            return
        if self.path.rstrip("/").endswith("/messages"):
            try:
                req = json.loads(raw or b"null")
            except ValueError as e:
                self.send_json(400, fake_anthropic.error("invalid_request_error", f"bad JSON: {e}"))
                return
            with STATE.lock:
                STATE.recorded.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": req})
            try:
                fake_anthropic.handle(self, req, directives, DIRECTIVE, STATE)
            except ClientGone:
                self.close_connection = True
            return
        if self.path.rstrip("/").endswith("/embeddings") or self.path.rstrip("/") == "/api/embed":
            self.embeddings(raw)
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error",
                                           "code": "not_found", "param": None}})
            return
        try:
            req = json.loads(raw or b"null")
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError as e:
            self.send_json(400, {"error": {"message": f"bad JSON: {e}", "type": "invalid_request_error",
                                           "code": "invalid_json", "param": None}})
            return
        with STATE.lock:
            STATE.stats["requests"] += 1
            STATE.recorded.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                   "body": req})
        if REDIRECT["to"]:
            body = b'{"moved": true}'
            self.send_response(302)
            self.send_header("Location", REDIRECT["to"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.chat(req)

    # ------------------------------------------------------------ embeddings
    @staticmethod
    def embed_text(text, dims=16):
        import hashlib
        import math
        v = [0.0] * dims
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            h = int.from_bytes(hashlib.md5(word.encode()).digest()[:8], "little")
            v[h % dims] += -1.0 if (h >> 63) & 1 else 1.0
        n = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / n for x in v]

    def embeddings(self, raw):
        STATE.bump("embeddings")
        try:
            req = json.loads(raw or b"null")
            inputs = req["input"]
            inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        except (ValueError, KeyError, TypeError) as e:
            self.send_json(400, {"error": {"message": f"bad embeddings request: {e}", "type": "invalid_request_error",
                                           "code": "invalid_request", "param": "input"}})
            return
        d = directives(" ".join(str(i) for i in inputs))
        if d.get("delay_ms"):
            try:
                self.sleep_watching(d["delay_ms"])
            except ClientGone:
                return
        if d.get("status", 200) != 200:
            self.send_json(d["status"], {"error": {"message": "fake failure", "type": "api_error",
                                                   "code": "fake", "param": None}})
            return
        vectors = [self.embed_text(str(i)) for i in inputs]
        if req.get("encoding_format") == "base64":  # as OpenAI does: little-endian float32 bytes
            import base64
            import struct
            vectors = [base64.b64encode(struct.pack("<%df" % len(v), *v)).decode() for v in vectors]
        if self.path.rstrip("/") == "/api/embed":
            self.send_json(200, {"model": req.get("model", ""), "embeddings": vectors})
        else:
            tokens = sum(len(str(i)) // 4 + 1 for i in inputs)
            self.send_json(200, {"object": "list", "model": req.get("model", ""),
                                 "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                                 "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    # ------------------------------------------------------------ chat
    def chat(self, req):
        messages = req.get("messages") or []
        users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        last_user = message_text(users[-1].get("content")) if users else ""
        d = directives(last_user)
        if d.get("delay_ms"):
            try:
                self.sleep_watching(d["delay_ms"])
            except ClientGone:
                return
        status = d.get("status", 200)
        if status == 200 and ERRORS["rate"] > 0:
            with ERROR_LOCK:
                if ERROR_RNG.random() < ERRORS["rate"]:
                    status = 500
        if status == 200 and FILTER["word"] and FILTER["word"] in last_user and not FILTER["as_answer"]:
            self.send_json(400, {"error": {"message": "Your request was rejected by the safety system.",
                                           "type": "invalid_request_error", "code": "content_policy_violation",
                                           "param": None}})
            return
        if status != 200:
            extra = [("Retry-After", "1")] if status == 429 else []
            self.send_json(status, error_body(status), extra)
            return
        model = req.get("model", "fake-model")
        tools = req.get("tools") or []
        tool_name = None
        if tools and "weather" in last_user:
            tool_name = (tools[0].get("function") or {}).get("name", "tool")
        text = "echo: " + (" ".join(f"w{i + 1}" for i in range(d["words"])) if "words" in d else
                           DIRECTIVE.sub("", last_user).strip())
        if ANSWER["text"] is not None:
            text = ANSWER["text"]
        chars = sum(len(message_text(m.get("content"))) for m in messages if isinstance(m, dict))
        usage = {"prompt_tokens": chars // 4 + 1, "completion_tokens": len(text.split()) if not tool_name else 8}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        with STATE.lock:
            n = STATE.stats["requests"]
        ident = f"chatcmpl-fake-{n}"
        if req.get("stream"):
            self.stream(req, d, ident, model, text, tool_name, usage)
        else:
            self.complete(d, ident, model, text, tool_name, usage)

    def complete(self, d, ident, model, text, tool_name, usage):
        if d.get("malformed"):
            body = b'{"id": "x", "choices": ['
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        message = {"role": "assistant", "content": text}
        finish = "stop"
        if FILTER["word"] and FILTER["as_answer"] and FILTER["word"] in text:
            message, finish = {"role": "assistant", "content": ""}, "content_filter"
        if tool_name:
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_fake_1", "type": "function",
                 "function": {"name": tool_name, "arguments": json.dumps({"city": "Paris"})}}]}
            finish = "tool_calls"
        obj = {"id": ident, "object": "chat.completion", "created": int(time.time()), "model": model,
               "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}
        if "cut_after" in d:
            body = json.dumps(obj).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_abruptly()
            return
        self.send_json(200, obj)

    def close_abruptly(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def stream(self, req, d, ident, model, text, tool_name, usage):
        include_usage = bool((req.get("stream_options") or {}).get("include_usage"))

        def chunk(delta, finish=None):
            return {"id": ident, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        events = [chunk({"role": "assistant", "content": ""})]
        if tool_name:
            args = json.dumps({"city": "Paris"})
            events.append(chunk({"tool_calls": [{"index": 0, "id": "call_fake_1", "type": "function",
                                                 "function": {"name": tool_name, "arguments": ""}}]}))
            for i in range(0, len(args), 5):
                events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": args[i:i + 5]}}]}))
            events.append(chunk({}, "tool_calls"))
        else:
            words = text.split(" ")
            for i, w in enumerate(words):
                events.append(chunk({"content": w if i == 0 else " " + w}))
            events.append(chunk({}, "stop"))
        if include_usage:
            events.append({"id": ident, "object": "chat.completion.chunk", "created": int(time.time()),
                           "model": model, "choices": [], "usage": usage})

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        STATE.bump("streams_started")
        STATE.bump("active_streams")
        try:
            self.send_events(events, d)
        except ClientGone:
            STATE.bump("streams_aborted_by_client")
            self.close_connection = True
        finally:
            STATE.bump("active_streams", -1)

    def send_events(self, events, d):
        delay = d.get("chunk_delay_ms", 0)
        cut_after = d.get("cut_after")
        for i, ev in enumerate(events):
            if i > 0 and delay:
                self.sleep_watching(delay)
            if cut_after is not None and i > cut_after:  # event 0 is the role chunk
                self.close_abruptly()
                return
            if d.get("malformed") and i == 1:
                self.write_chunk(b"data: {not json\n\n")
                break
            self.write_chunk(b"data: " + json.dumps(ev).encode() + b"\n\n")
        self.write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        STATE.bump("streams_completed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--status", type=int)
    ap.add_argument("--delay-ms", type=int)
    ap.add_argument("--chunk-delay-ms", type=int)
    ap.add_argument("--cut-after", type=int, help="cut every stream after N content chunks (as cut_after=N)")
    ap.add_argument("--error-rate", type=float, default=0.0,
                    help="share of chat requests answered 500 (seeded, so runs repeat)")
    ap.add_argument("--filter-word", help="refuse chat requests mentioning this word (content filter)")
    ap.add_argument("--filter-as-answer", action="store_true",
                    help="filter with a 200 answer (finish_reason content_filter) instead of a 400")
    ap.add_argument("--answer", help="answer every chat request with this text instead of the echo")
    ap.add_argument("--redirect-to", help="answer every chat request 302 with this Location")
    ap.add_argument("--nagle", action="store_true", help="leave Nagle on (as many Python servers do)")
    args = ap.parse_args()
    NAGLE["on"] = args.nagle or bool(os.environ.get("FAKE_NAGLE"))
    ANSWER["text"] = args.answer
    REDIRECT["to"] = args.redirect_to
    FILTER["word"], FILTER["as_answer"] = args.filter_word, args.filter_as_answer
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("fake_openai: listens on loopback only")
    ERRORS["rate"] = args.error_rate
    for key in ("status", "delay_ms", "chunk_delay_ms", "cut_after"):
        if getattr(args, key) is not None:
            DEFAULTS[key] = getattr(args, key)

    ThreadingHTTPServer.request_queue_size = 512  # bursts of hundreds of connections in tests
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(f"LISTENING {host}:{port}", flush=True)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
