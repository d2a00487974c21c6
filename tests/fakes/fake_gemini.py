"""The Gemini generateContent API for fake_openai.py: POST .../models/<model>:generateContent and
:streamGenerateContent?alt=sse, validated (400 {"error": {"code", "message", "status"}} as Google
answers), answered like the OpenAI side ("echo: " + the last user text; a get-weather
functionCall when tools are given and the text mentions weather; a SAFETY finish when it
mentions "forbidden"). Streams send the answer word by word as GenerateContentResponse chunks,
usageMetadata on the last."""
import json
import re

ROLES = {"user", "model", "function"}
PARTS = {"text", "inlineData", "fileData", "functionCall", "functionResponse"}
GEN_CONFIG = {"temperature", "topP", "topK", "maxOutputTokens", "stopSequences", "candidateCount",
              "responseMimeType", "responseSchema", "seed", "presencePenalty", "frequencyPenalty"}
PATH = re.compile(r"/models/([^/:]+):(generateContent|streamGenerateContent)(\?.*)?$")


def error(code, message, status="INVALID_ARGUMENT"):
    return {"error": {"code": code, "message": message, "status": status}}


def validate(req):
    if not isinstance(req, dict):
        return "Invalid JSON payload"
    extra = set(req) - {"contents", "systemInstruction", "generationConfig", "tools", "toolConfig", "safetySettings"}
    if extra:
        return f"Invalid JSON payload received. Unknown name \"{sorted(extra)[0]}\""
    contents = req.get("contents")
    if not isinstance(contents, list) or not contents:
        return "contents is not specified"
    for i, c in enumerate(contents):
        if not isinstance(c, dict) or c.get("role") not in ROLES:
            return f"contents[{i}].role must be user or model"
        parts = c.get("parts")
        if not isinstance(parts, list) or not parts:
            return f"contents[{i}].parts must not be empty"
        for j, p in enumerate(parts):
            if not isinstance(p, dict) or len(set(p) & PARTS) != 1:
                return f"contents[{i}].parts[{j}]: exactly one of {sorted(PARTS)}"
            if "inlineData" in p and not (p["inlineData"].get("mimeType") and p["inlineData"].get("data")):
                return f"contents[{i}].parts[{j}].inlineData: mimeType and data are required"
            if "functionCall" in p and not isinstance(p["functionCall"].get("args", {}), dict):
                return f"contents[{i}].parts[{j}].functionCall.args must be an object"
            if "functionResponse" in p and not p["functionResponse"].get("name"):
                return f"contents[{i}].parts[{j}].functionResponse.name is required"
    extra = set(req.get("generationConfig") or {}) - GEN_CONFIG
    if extra:
        return f"Invalid JSON payload received. Unknown name \"{sorted(extra)[0]}\" at 'generation_config'"
    return None


def last_user_text(req):
    for c in reversed(req["contents"]):
        if c["role"] == "user":
            texts = [p["text"] for p in c["parts"] if "text" in p]
            if texts:
                return "\n".join(texts)
    return ""


def handle(handler, req, directives, directive_re, stats):
    m = PATH.search(handler.path)
    if not handler.headers.get("x-goog-api-key"):
        handler.send_json(403, error(403, "Method doesn't allow unregistered callers", "PERMISSION_DENIED"))
        return
    problem = validate(req)
    if problem:
        handler.send_json(400, error(400, problem))
        return
    text_in = last_user_text(req)
    d = directives(text_in)
    if d.get("delay_ms"):
        handler.sleep_watching(d["delay_ms"])
    if d.get("status", 200) != 200:
        status = d["status"]
        handler.send_json(status, error(status, f"fake upstream error {status}",
                                        "RESOURCE_EXHAUSTED" if status == 429 else "INTERNAL"))
        return
    stats.bump("requests")
    decls = [f for t in (req.get("tools") or []) for f in t.get("functionDeclarations", [])]
    tool = decls[0]["name"] if decls and "weather" in text_in else None
    text = "echo: " + directive_re.sub("", text_in).strip()
    words = text.split(" ")
    limit = (req.get("generationConfig") or {}).get("maxOutputTokens")
    finish = "STOP"
    if "forbidden" in text_in:
        words, finish = [], "SAFETY"
    elif isinstance(limit, int) and 0 < limit < len(words):
        words, finish = words[:limit], "MAX_TOKENS"
    prompt = sum(len(json.dumps(c)) for c in req["contents"]) // 4 + 1
    usage = {"promptTokenCount": prompt, "candidatesTokenCount": 8 if tool else len(words),
             "totalTokenCount": prompt + (8 if tool else len(words))}
    model = m.group(1) if m else "gemini"
    if tool:
        parts_list = [[{"functionCall": {"name": tool, "args": {"city": "Paris"}}}]]
    elif finish == "SAFETY":
        parts_list = [[]]
    else:
        parts_list = [[{"text": w if i == 0 else " " + w}] for i, w in enumerate(words)] or [[{"text": ""}]]
    stream = m and m.group(2) == "streamGenerateContent"
    if not stream:
        parts = [p for ps in parts_list for p in ps]
        if parts and "text" in parts[0]:
            parts = [{"text": "".join(p["text"] for p in parts)}]
        cand = {"index": 0, "finishReason": finish, "content": {"role": "model", "parts": parts}}
        handler.send_json(200, {"candidates": [cand], "usageMetadata": usage, "modelVersion": model, "responseId": "fake-resp"})
        return
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for i, parts in enumerate(parts_list):
        last = i == len(parts_list) - 1
        cand = {"index": 0, "content": {"role": "model", "parts": parts}}
        chunk = {"candidates": [cand], "modelVersion": model, "responseId": "fake-resp"}
        if last:
            cand["finishReason"] = finish
            chunk["usageMetadata"] = usage
        handler.write_chunk(b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n")
    handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()
