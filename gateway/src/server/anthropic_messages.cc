#include "server/anthropic_messages.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/json_depth.hpp"
#include "core/json_checks.hpp"

namespace sy::server {
namespace {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

std::string to_string(const Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

Value str(std::string_view s, Alloc& a) { return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a); }

std::optional<ApiError> bad(const std::string& message, const std::string& param) {
    return ApiError::bad_request(message, param);
}

// Text of a `system` (string or text blocks) or of a tool_result's content.
std::optional<std::string> text_of(const Value& v) {
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (!v.IsArray()) return std::nullopt;
    std::string out;
    for (const auto& b : v.GetArray()) {
        if (!b.IsObject() || !b.HasMember("type") || !b["type"].IsString()) return std::nullopt;
        if (std::string_view(b["type"].GetString()) == "text" && b.HasMember("text") && b["text"].IsString())
            out.append(out.empty() ? "" : "\n").append(b["text"].GetString(), b["text"].GetStringLength());
    }
    return out;
}

// One Messages message -> one or more chat messages (tool results become role "tool").
std::optional<ApiError> convert_message(const Value& m, size_t i, Value& out, Alloc& a) {
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (!m.IsObject() || !m.HasMember("role") || !m["role"].IsString()) return bad(at + ".role is required", at + ".role");
    std::string_view role = m["role"].GetString();
    if (role != "user" && role != "assistant") return bad(at + ".role must be user or assistant", at + ".role");
    if (!m.HasMember("content")) return bad(at + ".content is required", at + ".content");
    const Value& content = m["content"];
    if (content.IsString()) {
        Value msg(rapidjson::kObjectType);
        msg.AddMember("role", str(role, a), a);
        msg.AddMember("content", Value(content, a), a);
        out.PushBack(msg, a);
        return std::nullopt;
    }
    if (!content.IsArray()) return bad(at + ".content must be a string or a list of blocks", at + ".content");
    Value parts(rapidjson::kArrayType), calls(rapidjson::kArrayType);
    for (rapidjson::SizeType j = 0; j < content.Size(); ++j) {
        const Value& b = content[j];
        const std::string bat = at + ".content[" + std::to_string(j) + "]";
        if (!b.IsObject() || !b.HasMember("type") || !b["type"].IsString()) return bad(bat + ".type is required", bat + ".type");
        std::string_view type = b["type"].GetString();
        if (type == "text") {
            if (!b.HasMember("text") || !b["text"].IsString()) return bad(bat + ".text must be a string", bat + ".text");
            Value p(rapidjson::kObjectType);
            p.AddMember("type", "text", a);
            p.AddMember("text", Value(b["text"], a), a);
            parts.PushBack(p, a);
        } else if (type == "image") {
            const Value* src = b.HasMember("source") && b["source"].IsObject() ? &b["source"] : nullptr;
            std::string url;
            if (src && src->HasMember("type") && (*src)["type"].IsString() &&
                std::string_view((*src)["type"].GetString()) == "base64" && src->HasMember("data") &&
                (*src)["data"].IsString() && src->HasMember("media_type") && (*src)["media_type"].IsString())
                url = std::string("data:") + (*src)["media_type"].GetString() + ";base64," + (*src)["data"].GetString();
            else if (src && src->HasMember("url") && (*src)["url"].IsString())
                url = (*src)["url"].GetString();
            else
                return bad(bat + ".source must be {type: base64, media_type, data} or {type: url, url}", bat + ".source");
            Value iu(rapidjson::kObjectType), p(rapidjson::kObjectType);
            iu.AddMember("url", str(url, a), a);
            p.AddMember("type", "image_url", a);
            p.AddMember("image_url", iu, a);
            parts.PushBack(p, a);
        } else if (type == "tool_use") {
            if (role != "assistant") return bad(bat + ": tool_use blocks belong to assistant messages", bat);
            if (!b.HasMember("id") || !b["id"].IsString() || !b.HasMember("name") || !b["name"].IsString())
                return bad(bat + " needs id and name", bat);
            Value fn(rapidjson::kObjectType), call(rapidjson::kObjectType);
            fn.AddMember("name", Value(b["name"], a), a);
            fn.AddMember("arguments", str(b.HasMember("input") ? to_string(b["input"]) : "{}", a), a);
            call.AddMember("id", Value(b["id"], a), a);
            call.AddMember("type", "function", a);
            call.AddMember("function", fn, a);
            calls.PushBack(call, a);
        } else if (type == "tool_result") {
            if (!b.HasMember("tool_use_id") || !b["tool_use_id"].IsString())
                return bad(bat + ".tool_use_id is required", bat + ".tool_use_id");
            std::optional<std::string> text = b.HasMember("content") ? text_of(b["content"]) : std::string();
            if (!text) return bad(bat + ".content must be a string or text blocks", bat + ".content");
            if (b.HasMember("is_error") && b["is_error"].IsTrue()) text = "Error: " + *text;
            Value msg(rapidjson::kObjectType);
            msg.AddMember("role", "tool", a);
            msg.AddMember("tool_call_id", Value(b["tool_use_id"], a), a);
            msg.AddMember("content", str(*text, a), a);
            out.PushBack(msg, a);
        } else if (type != "thinking" && type != "redacted_thinking") {
            return bad(bat + ".type '" + std::string(type) + "' is not supported", bat + ".type");
        }
    }
    if (parts.Empty() && calls.Empty()) return std::nullopt;
    Value msg(rapidjson::kObjectType);
    msg.AddMember("role", str(role, a), a);
    if (role == "assistant") {
        std::string text;
        for (const auto& p : parts.GetArray())
            if (std::string_view(p["type"].GetString()) == "text") text += p["text"].GetString();
        msg.AddMember("content", calls.Empty() || !text.empty() ? str(text, a) : Value(), a);
        if (!calls.Empty()) msg.AddMember("tool_calls", calls, a);
    } else {
        msg.AddMember("content", parts, a);
    }
    out.PushBack(msg, a);
    return std::nullopt;
}

std::optional<ApiError> convert_tools(const Value& tools, Value& out, Alloc& a) {
    if (!tools.IsArray()) return bad("tools must be a list", "tools");
    for (rapidjson::SizeType i = 0; i < tools.Size(); ++i) {
        const Value& t = tools[i];
        const std::string at = "tools[" + std::to_string(i) + "]";
        if (!t.IsObject() || !t.HasMember("name") || !t["name"].IsString()) return bad(at + ".name is required", at + ".name");
        Value fn(rapidjson::kObjectType), tool(rapidjson::kObjectType);
        fn.AddMember("name", Value(t["name"], a), a);
        if (t.HasMember("description")) fn.AddMember("description", Value(t["description"], a), a);
        fn.AddMember("parameters", t.HasMember("input_schema") ? Value(t["input_schema"], a) : Value(rapidjson::kObjectType), a);
        tool.AddMember("type", "function", a);
        tool.AddMember("function", fn, a);
        out.PushBack(tool, a);
    }
    return std::nullopt;
}

std::optional<ApiError> convert_tool_choice(const Value& c, Value& out, Alloc& a) {
    if (!c.IsObject() || !c.HasMember("type") || !c["type"].IsString()) return bad("tool_choice.type is required", "tool_choice");
    std::string_view type = c["type"].GetString();
    if (type == "auto") out = Value("auto");
    else if (type == "any") out = Value("required");
    else if (type == "none") out = Value("none");
    else if (type == "tool" && c.HasMember("name") && c["name"].IsString()) {
        Value fn(rapidjson::kObjectType);
        fn.AddMember("name", Value(c["name"], a), a);
        out.SetObject();
        out.AddMember("type", "function", a);
        out.AddMember("function", fn, a);
    } else {
        return bad("tool_choice.type must be auto, any, none, or tool with a name", "tool_choice");
    }
    return std::nullopt;
}

const char* stop_reason_of(std::string_view finish) {
    if (finish == "length") return "max_tokens";
    if (finish == "tool_calls" || finish == "function_call") return "tool_use";
    if (finish == "content_filter") return "refusal";
    return "end_turn";
}

const char* error_type_of(int status) {
    switch (status) {
        case 400: case 413: return "invalid_request_error";
        case 401: return "authentication_error";
        case 403: return "permission_error";
        case 404: return "not_found_error";
        case 429: return "rate_limit_error";
        case 503: case 529: return "overloaded_error";
        default: return "api_error";
    }
}

std::string event(std::string_view name, const Value& data) {
    std::string out = "event: ";
    out.append(name).append("\ndata: ").append(to_string(data)).append("\n\n");
    return out;
}

}  // namespace

std::optional<ApiError> messages_to_chat(const std::string& body, std::string& chat_body) {
    if (json_too_deep(body)) return json_too_deep_error();
    rapidjson::Document in;
    in.Parse(body.data(), body.size());
    if (in.HasParseError() || !in.IsObject()) return ApiError::bad_request("the body must be a JSON object", "", "invalid_json");
    if (auto err = client_json_error(in)) return err;
    rapidjson::Document out;
    out.SetObject();
    auto& a = out.GetAllocator();
    if (!in.HasMember("model") || !in["model"].IsString()) return bad("model is required", "model");
    out.AddMember("model", Value(in["model"], a), a);
    if (!in.HasMember("max_tokens") || !in["max_tokens"].IsInt64() || in["max_tokens"].GetInt64() < 1)
        return bad("max_tokens is required (a positive integer)", "max_tokens");
    out.AddMember("max_tokens", Value(in["max_tokens"], a), a);
    if (!in.HasMember("messages") || !in["messages"].IsArray() || in["messages"].Empty())
        return bad("messages must be a non-empty list", "messages");
    Value messages(rapidjson::kArrayType);
    if (in.HasMember("system")) {
        std::optional<std::string> system = text_of(in["system"]);
        if (!system) return bad("system must be a string or text blocks", "system");
        Value msg(rapidjson::kObjectType);
        msg.AddMember("role", "system", a);
        msg.AddMember("content", str(*system, a), a);
        messages.PushBack(msg, a);
    }
    for (rapidjson::SizeType i = 0; i < in["messages"].Size(); ++i)
        if (auto err = convert_message(in["messages"][i], i, messages, a)) return err;
    out.AddMember("messages", messages, a);
    for (const char* k : {"temperature", "top_p", "top_k"})
        if (in.HasMember(k)) {
            if (!in[k].IsNumber()) return bad(std::string(k) + " must be a number", k);
            if (std::string_view(k) != "top_k") out.AddMember(rapidjson::StringRef(k), Value(in[k], a), a);
        }
    if (in.HasMember("stop_sequences")) {
        if (!in["stop_sequences"].IsArray()) return bad("stop_sequences must be a list of strings", "stop_sequences");
        out.AddMember("stop", Value(in["stop_sequences"], a), a);
    }
    if (in.HasMember("tools")) {
        Value tools(rapidjson::kArrayType);
        if (auto err = convert_tools(in["tools"], tools, a)) return err;
        out.AddMember("tools", tools, a);
    }
    if (in.HasMember("tool_choice")) {
        Value choice;
        if (auto err = convert_tool_choice(in["tool_choice"], choice, a)) return err;
        out.AddMember("tool_choice", choice, a);
    }
    if (in.HasMember("metadata") && in["metadata"].IsObject() && in["metadata"].HasMember("user_id") &&
        in["metadata"]["user_id"].IsString())
        out.AddMember("user", Value(in["metadata"]["user_id"], a), a);
    if (in.HasMember("stream") && in["stream"].IsTrue()) {
        // message_delta carries the output tokens: always ask the upstream for usage.
        Value opts(rapidjson::kObjectType);
        opts.AddMember("include_usage", true, a);
        out.AddMember("stream", true, a);
        out.AddMember("stream_options", opts, a);
    }
    chat_body = to_string(out);
    return std::nullopt;
}

std::string AnthropicTranslator::json(std::string_view openai_body) {
    rapidjson::Document in;
    in.Parse(openai_body.data(), openai_body.size());
    rapidjson::Document out;
    out.SetObject();
    auto& a = out.GetAllocator();
    if (in.HasParseError() || !in.IsObject()) return error_body(ApiError::upstream(502, "the model's answer is not JSON"));
    std::string id = in.HasMember("id") && in["id"].IsString() ? in["id"].GetString() : "";
    out.AddMember("id", str("msg_" + id, a), a);
    out.AddMember("type", "message", a);
    out.AddMember("role", "assistant", a);
    out.AddMember("model", in.HasMember("model") ? Value(in["model"], a) : Value(""), a);
    Value content(rapidjson::kArrayType);
    std::string finish = "stop";
    if (in.HasMember("choices") && in["choices"].IsArray() && !in["choices"].Empty() && in["choices"][0].IsObject()) {
        const Value& c = in["choices"][0];
        if (c.HasMember("finish_reason") && c["finish_reason"].IsString()) finish = c["finish_reason"].GetString();
        const Value* m = c.HasMember("message") && c["message"].IsObject() ? &c["message"] : nullptr;
        if (m && m->HasMember("content") && (*m)["content"].IsString() && (*m)["content"].GetStringLength() > 0) {
            Value t(rapidjson::kObjectType);
            t.AddMember("type", "text", a);
            t.AddMember("text", Value((*m)["content"], a), a);
            content.PushBack(t, a);
        }
        if (m && m->HasMember("tool_calls") && (*m)["tool_calls"].IsArray())
            for (const auto& call : (*m)["tool_calls"].GetArray()) {
                if (!call.IsObject() || !call.HasMember("function") || !call["function"].IsObject()) continue;
                const Value& fn = call["function"];
                Value block(rapidjson::kObjectType), input;
                rapidjson::Document args(&a);
                std::string raw = fn.HasMember("arguments") && fn["arguments"].IsString() ? fn["arguments"].GetString() : "{}";
                // The model wrote the arguments: depth-checked before the recursive parse.
                if (json_too_deep(raw) || args.Parse(raw.data(), raw.size()).HasParseError()) input.SetObject();
                else input.CopyFrom(args, a);
                block.AddMember("type", "tool_use", a);
                block.AddMember("id", call.HasMember("id") ? Value(call["id"], a) : Value(""), a);
                block.AddMember("name", fn.HasMember("name") ? Value(fn["name"], a) : Value(""), a);
                block.AddMember("input", input, a);
                content.PushBack(block, a);
            }
    }
    out.AddMember("content", content, a);
    out.AddMember("stop_reason", Value(stop_reason_of(finish), a), a);
    out.AddMember("stop_sequence", Value(), a);
    Value usage(rapidjson::kObjectType);
    int64_t input = 0, output = 0, cached = 0;
    if (in.HasMember("usage") && in["usage"].IsObject()) {
        const Value& u = in["usage"];
        if (u.HasMember("prompt_tokens") && u["prompt_tokens"].IsInt64()) input = u["prompt_tokens"].GetInt64();
        if (u.HasMember("completion_tokens") && u["completion_tokens"].IsInt64()) output = u["completion_tokens"].GetInt64();
        if (u.HasMember("prompt_tokens_details") && u["prompt_tokens_details"].IsObject() &&
            u["prompt_tokens_details"].HasMember("cached_tokens") && u["prompt_tokens_details"]["cached_tokens"].IsInt64())
            cached = u["prompt_tokens_details"]["cached_tokens"].GetInt64();
    }
    usage.AddMember("input_tokens", input - cached, a);
    usage.AddMember("output_tokens", output, a);
    usage.AddMember("cache_read_input_tokens", cached, a);
    out.AddMember("usage", usage, a);
    return to_string(out);
}

void AnthropicTranslator::start_message(const std::string& id, const std::string& model, std::string& out) {
    rapidjson::Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    Value msg(rapidjson::kObjectType), usage(rapidjson::kObjectType);
    msg.AddMember("id", str("msg_" + id, a), a);
    msg.AddMember("type", "message", a);
    msg.AddMember("role", "assistant", a);
    msg.AddMember("model", str(model, a), a);
    msg.AddMember("content", Value(rapidjson::kArrayType), a);
    msg.AddMember("stop_reason", Value(), a);
    msg.AddMember("stop_sequence", Value(), a);
    usage.AddMember("input_tokens", 0, a);
    usage.AddMember("output_tokens", 0, a);
    msg.AddMember("usage", usage, a);
    d.AddMember("type", "message_start", a);
    d.AddMember("message", msg, a);
    out += event("message_start", d);
    started_ = true;
}

void AnthropicTranslator::close_block(std::string& out) {
    if (block_ < 0) return;
    rapidjson::Document d;
    d.SetObject();
    d.AddMember("type", "content_block_stop", d.GetAllocator());
    d.AddMember("index", block_, d.GetAllocator());
    out += event("content_block_stop", d);
    block_ = -1;
    block_type_.clear();
}

void AnthropicTranslator::chunk(std::string_view json, std::string& out) {
    rapidjson::Document c;
    c.Parse(json.data(), json.size());
    if (c.HasParseError() || !c.IsObject()) return;
    auto& a = c.GetAllocator();
    if (!started_)
        start_message(c.HasMember("id") && c["id"].IsString() ? c["id"].GetString() : "",
                      c.HasMember("model") && c["model"].IsString() ? c["model"].GetString() : "", out);
    if (c.HasMember("usage") && c["usage"].IsObject()) {
        const Value& u = c["usage"];
        if (u.HasMember("prompt_tokens") && u["prompt_tokens"].IsInt64()) input_tokens_ = u["prompt_tokens"].GetInt64();
        if (u.HasMember("completion_tokens") && u["completion_tokens"].IsInt64()) output_tokens_ = u["completion_tokens"].GetInt64();
    }
    if (!c.HasMember("choices") || !c["choices"].IsArray() || c["choices"].Empty()) return;
    const Value& choice = c["choices"][0];
    if (!choice.IsObject()) return;
    const Value* delta = choice.HasMember("delta") && choice["delta"].IsObject() ? &choice["delta"] : nullptr;
    auto emit = [&](std::string_view name, Value& v) { out += event(name, v); };
    if (delta && delta->HasMember("content") && (*delta)["content"].IsString() && (*delta)["content"].GetStringLength() > 0) {
        if (block_type_ != "text") {
            close_block(out);
            block_ = next_block_++;
            block_type_ = "text";
            Value start(rapidjson::kObjectType), cb(rapidjson::kObjectType);
            cb.AddMember("type", "text", a);
            cb.AddMember("text", "", a);
            start.AddMember("type", "content_block_start", a);
            start.AddMember("index", block_, a);
            start.AddMember("content_block", cb, a);
            emit("content_block_start", start);
        }
        Value d(rapidjson::kObjectType), td(rapidjson::kObjectType);
        td.AddMember("type", "text_delta", a);
        td.AddMember("text", Value((*delta)["content"], a), a);
        d.AddMember("type", "content_block_delta", a);
        d.AddMember("index", block_, a);
        d.AddMember("delta", td, a);
        emit("content_block_delta", d);
    }
    if (delta && delta->HasMember("tool_calls") && (*delta)["tool_calls"].IsArray())
        for (const auto& call : (*delta)["tool_calls"].GetArray()) {
            if (!call.IsObject()) continue;
            int idx = call.HasMember("index") && call["index"].IsInt() ? call["index"].GetInt() : 0;
            const Value* fn = call.HasMember("function") && call["function"].IsObject() ? &call["function"] : nullptr;
            auto known = tool_blocks_.find(idx);
            if (known == tool_blocks_.end()) {
                close_block(out);
                block_ = next_block_++;
                block_type_ = "tool_use";
                tool_blocks_[idx] = block_;
                Value start(rapidjson::kObjectType), cb(rapidjson::kObjectType);
                cb.AddMember("type", "tool_use", a);
                cb.AddMember("id", call.HasMember("id") ? Value(call["id"], a) : Value(""), a);
                cb.AddMember("name", fn && fn->HasMember("name") ? Value((*fn)["name"], a) : Value(""), a);
                cb.AddMember("input", Value(rapidjson::kObjectType), a);
                start.AddMember("type", "content_block_start", a);
                start.AddMember("index", block_, a);
                start.AddMember("content_block", cb, a);
                emit("content_block_start", start);
            }
            if (fn && fn->HasMember("arguments") && (*fn)["arguments"].IsString() && (*fn)["arguments"].GetStringLength() > 0) {
                Value d(rapidjson::kObjectType), jd(rapidjson::kObjectType);
                jd.AddMember("type", "input_json_delta", a);
                jd.AddMember("partial_json", Value((*fn)["arguments"], a), a);
                d.AddMember("type", "content_block_delta", a);
                d.AddMember("index", tool_blocks_[idx], a);
                d.AddMember("delta", jd, a);
                emit("content_block_delta", d);
            }
        }
    if (choice.HasMember("finish_reason") && choice["finish_reason"].IsString())
        stop_reason_ = stop_reason_of(choice["finish_reason"].GetString());
}

void AnthropicTranslator::frames(std::string& sse) {
    std::string out;
    size_t pos = 0;
    while (pos < sse.size()) {
        size_t end = sse.find("\n\n", pos);
        if (end == std::string::npos) end = sse.size();
        std::string_view frame(sse.data() + pos, end - pos);
        pos = end + 2;
        if (frame.rfind("data: ", 0) != 0) continue;
        std::string_view data = frame.substr(6);
        if (data == "[DONE]") continue;
        chunk(data, out);
    }
    sse.swap(out);
}

void AnthropicTranslator::finish(std::string& out) {
    if (finished_) return;
    if (!started_) start_message("", "", out);
    close_block(out);
    rapidjson::Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    Value delta(rapidjson::kObjectType), usage(rapidjson::kObjectType);
    delta.AddMember("stop_reason", str(stop_reason_.empty() ? "end_turn" : stop_reason_, a), a);
    delta.AddMember("stop_sequence", Value(), a);
    usage.AddMember("input_tokens", input_tokens_, a);
    usage.AddMember("output_tokens", output_tokens_, a);
    d.AddMember("type", "message_delta", a);
    d.AddMember("delta", delta, a);
    d.AddMember("usage", usage, a);
    out += event("message_delta", d);
    rapidjson::Document stop;
    stop.SetObject();
    stop.AddMember("type", "message_stop", stop.GetAllocator());
    out += event("message_stop", stop);
    finished_ = true;
}

std::string AnthropicTranslator::done() {
    std::string out;
    finish(out);
    return out;
}

std::string AnthropicTranslator::error_body(const ApiError& e) {
    rapidjson::Document d;
    d.SetObject();
    auto& a = d.GetAllocator();
    Value err(rapidjson::kObjectType);
    err.AddMember("type", Value(error_type_of(e.status), a), a);
    err.AddMember("message", str(e.message, a), a);
    d.AddMember("type", "error", a);
    d.AddMember("error", err, a);
    return to_string(d);
}

std::string AnthropicTranslator::error_event(const ApiError& e) {
    rapidjson::Document d;
    d.Parse(error_body(e).c_str());
    return event("error", d);
}

}  // namespace sy::server
