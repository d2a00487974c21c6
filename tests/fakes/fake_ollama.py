"""Ollama's native chat API for fake_openai.py: POST /api/chat, validated (400 {"error": ...} as
Ollama answers), answered like the OpenAI side ("echo: " + the last user text; a get-weather
tool call when tools are given and the text mentions weather). "stream" defaults to true, as in
Ollama: NDJSON lines, one per word, then a final line with done_reason and the counts."""
import json
import time

ROLES = {"system", "user", "assistant", "tool"}


def validate(req):
    if not isinstance(req, dict):
        return "invalid request body"
    if not isinstance(req.get("model"), str) or not req["model"]:
        return "model is required"
    msgs = req.get("messages")
    if not isinstance(msgs, list):
        return "messages must be a list"
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            return f"messages[{i}]: invalid role"
        if not isinstance(m.get("content", ""), str):
            return f"messages[{i}]: content must be a string"
        for img in m.get("images") or []:
            if not isinstance(img, str) or img.startswith("data:") or img.startswith("http"):
                return f"messages[{i}]: images must be base64 strings"
        for c in m.get("tool_calls") or []:
            if not isinstance((c.get("function") or {}).get("arguments"), dict):
                return f"messages[{i}]: tool call arguments must be an object"
    opts = req.get("options")
    if opts is not None and not isinstance(opts, dict):
        return "options must be an object"
    return None


def handle(handler, req, directives, directive_re, stats):
    problem = validate(req)
    if problem:
        handler.send_json(400, {"error": problem})
        return
    users = [m for m in req["messages"] if m["role"] == "user"]
    text_in = users[-1].get("content", "") if users else ""
    d = directives(text_in)
    if d.get("delay_ms"):
        handler.sleep_watching(d["delay_ms"])
    if d.get("status", 200) != 200:
        handler.send_json(d["status"], {"error": f"fake upstream error {d['status']}"})
        return
    stats.bump("requests")
    model = req["model"]
    tools = req.get("tools") or []
    tool = (tools[0].get("function") or {}).get("name") if tools and "weather" in text_in else None
    text = "echo: " + directive_re.sub("", text_in).strip()
    words = text.split(" ")
    limit = (req.get("options") or {}).get("num_predict")
    reason = "stop"
    if isinstance(limit, int) and 0 < limit < len(words):
        words, reason = words[:limit], "length"
    prompt_count = sum(len(m.get("content", "")) for m in req["messages"]) // 4 + 1
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    final = {"model": model, "created_at": now, "done": True, "done_reason": reason,
             "prompt_eval_count": prompt_count, "eval_count": 8 if tool else len(words)}
    calls = [{"function": {"name": tool, "arguments": {"city": "Paris"}}}] if tool else None
    if not req.get("stream", True):
        msg = {"role": "assistant", "content": "" if tool else " ".join(words)}
        if calls:
            msg["tool_calls"] = calls
        handler.send_json(200, dict(final, message=msg))
        return
    handler.send_response(200)
    handler.send_header("Content-Type", "application/x-ndjson")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    lines = []
    if calls:
        lines.append({"model": model, "created_at": now, "message": {"role": "assistant", "content": "", "tool_calls": calls},
                      "done": False})
    else:
        for i, w in enumerate(words):
            lines.append({"model": model, "created_at": now,
                          "message": {"role": "assistant", "content": w if i == 0 else " " + w}, "done": False})
    lines.append(dict(final, message={"role": "assistant", "content": ""}))
    for line in lines:
        handler.write_chunk((json.dumps(line) + "\n").encode())
    handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()
