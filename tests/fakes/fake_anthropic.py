"""The Anthropic Messages wire format for fake_openai.py: POST /v1/messages, validated strictly
(400 with an Anthropic error body where the real API would refuse), answered like the OpenAI
side ("echo: " + the last user text; a get-weather tool call when tools are given and the text
mentions weather), non-streaming or as the Messages event stream with tool arguments split into
input_json_delta fragments. Directives as for chat, plus error_mid=1 (an error event after the
first delta)."""
import json

TOP_LEVEL = {"model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences",
             "stream", "tools", "tool_choice", "metadata", "thinking", "service_tier"}
BLOCKS = {"text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking"}


def error(etype, message):
    return {"type": "error", "error": {"type": etype, "message": message}}


def validate(req, headers):
    """The reason the real API would refuse this request, or None."""
    if not headers.get("anthropic-version"):
        return "anthropic-version: header is required"
    if not isinstance(req, dict):
        return "body: must be an object"
    extra = set(req) - TOP_LEVEL
    if extra:
        return f"{sorted(extra)[0]}: Extra inputs are not permitted"
    if not isinstance(req.get("model"), str) or not req["model"]:
        return "model: Field required"
    if not isinstance(req.get("max_tokens"), int) or req["max_tokens"] < 1:
        return "max_tokens: Field required"
    msgs = req.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return "messages: Field required"
    if "system" in req and not (isinstance(req["system"], str) or
                                (isinstance(req["system"], list) and all(b.get("type") == "text" for b in req["system"]))):
        return "system: Input should be a valid string or list of text blocks"
    previous = None
    for i, m in enumerate(msgs):
        role = m.get("role") if isinstance(m, dict) else None
        if role not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        if i == 0 and role != "user":
            return "messages: first message must use the \"user\" role"
        if role == previous:
            return "messages: roles must alternate between \"user\" and \"assistant\""
        previous = role
        content = m.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not content:
            return f"messages.{i}.content: Input should be a valid string or non-empty list"
        for j, b in enumerate(content):
            if not isinstance(b, dict) or b.get("type") not in BLOCKS:
                return f"messages.{i}.content.{j}.type: unknown block type"
            if b["type"] == "image":
                src = b.get("source") or {}
                if src.get("type") == "base64" and not (src.get("media_type") and src.get("data")):
                    return f"messages.{i}.content.{j}.source: media_type and data are required"
                if src.get("type") not in ("base64", "url"):
                    return f"messages.{i}.content.{j}.source.type: must be base64 or url"
            if b["type"] == "tool_use" and (role != "assistant" or not b.get("id") or not isinstance(b.get("input"), dict)):
                return f"messages.{i}.content.{j}: tool_use needs the assistant role, an id and an object input"
            if b["type"] == "tool_result" and (role != "user" or not b.get("tool_use_id")):
                return f"messages.{i}.content.{j}: tool_result needs the user role and a tool_use_id"
    for i, t in enumerate(req.get("tools") or []):
        if not isinstance(t, dict) or not t.get("name") or not isinstance(t.get("input_schema"), dict):
            return f"tools.{i}: name and input_schema are required"
    tc = req.get("tool_choice")
    if tc is not None and (not isinstance(tc, dict) or tc.get("type") not in ("auto", "any", "tool", "none") or
                           (tc.get("type") == "tool" and not tc.get("name"))):
        return "tool_choice: Input should be auto, any, tool (with a name) or none"
    return None


def last_user_text(req):
    for m in reversed(req["messages"]):
        if m["role"] != "user":
            continue
        if isinstance(m["content"], str):
            return m["content"]
        texts = [b.get("text", "") for b in m["content"] if b.get("type") == "text"]
        if texts:
            return "\n".join(texts)
    return ""


def handle(handler, req, directives, directive_re, stats):
    problem = validate(req, handler.headers)
    if problem:
        handler.send_json(400, error("invalid_request_error", problem))
        return
    text_in = last_user_text(req)
    d = directives(text_in)
    if d.get("delay_ms"):
        handler.sleep_watching(d["delay_ms"])
    status = d.get("status", 200)
    if status != 200:
        etype = {429: "rate_limit_error", 401: "authentication_error", 529: "overloaded_error"}.get(
            status, "api_error" if status >= 500 else "invalid_request_error")
        extra = [("retry-after", "1")] if status == 429 else []
        handler.send_json(status, error(etype, f"fake upstream error {status}"), extra)
        return
    stats.bump("requests")
    model = req["model"]
    tools = req.get("tools") or []
    tool = tools[0]["name"] if tools and "weather" in text_in else None
    text = "echo: " + directive_re.sub("", text_in).strip()
    chars = sum(len(json.dumps(m.get("content"))) for m in req["messages"])
    usage = {"input_tokens": chars // 4 + 1, "output_tokens": 8 if tool else len(text.split()),
             "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    ident = f"msg_fake_{stats.stats['requests']}"
    if tool:
        content = [{"type": "tool_use", "id": "toolu_fake_1", "name": tool, "input": {"city": "Paris"}}]
        stop = "tool_use"
    else:
        content = [{"type": "text", "text": text}]
        stop = "end_turn"
    if not req.get("stream"):
        handler.send_json(200, {"id": ident, "type": "message", "role": "assistant", "model": model, "content": content,
                                "stop_reason": stop, "stop_sequence": None, "usage": usage})
        return
    events = [("message_start", {"type": "message_start", "message": {
        "id": ident, "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": dict(usage, output_tokens=1)}})]
    if tool:
        events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {
            "type": "tool_use", "id": "toolu_fake_1", "name": tool, "input": {}}}))
        events.append(("ping", {"type": "ping"}))
        args = json.dumps({"city": "Paris"})
        for i in range(0, len(args), 5):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "input_json_delta", "partial_json": args[i:i + 5]}}))
    else:
        events.append(("content_block_start", {"type": "content_block_start", "index": 0,
                                               "content_block": {"type": "text", "text": ""}}))
        events.append(("ping", {"type": "ping"}))
        for i, w in enumerate(text.split(" ")):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "text_delta", "text": w if i == 0 else " " + w}}))
    if d.get("error_mid"):
        events = events[:4] + [("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})]
    else:
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                         "usage": {"output_tokens": usage["output_tokens"]}}))
        events.append(("message_stop", {"type": "message_stop"}))
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    stats.bump("streams_started")
    delay = d.get("chunk_delay_ms", 0)
    for i, (name, data) in enumerate(events):
        if i and delay:
            handler.sleep_watching(delay)
        handler.write_chunk(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
    handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()
    stats.bump("streams_completed")
