#include "request_translation.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <switchyard/sdk.hpp>

#include "common/json_depth.hpp"

namespace sy_plugins::anthropic {
namespace {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;
using switchyard::Error;

[[noreturn]] void bad(const std::string& what) { throw Error(what, SY_ERR_BAD_REQUEST); }

Value text_block(const Value& text, Alloc& a) {
    Value b(rapidjson::kObjectType);
    b.AddMember("type", "text", a);
    b.AddMember("text", Value(text, a), a);
    return b;
}

// data:<media>;base64,<data> or an http(s) URL.
Value image_block(const std::string& url, const std::string& at, Alloc& a) {
    Value src(rapidjson::kObjectType);
    if (url.rfind("data:", 0) == 0) {
        size_t semi = url.find(';'), comma = url.find(',');
        if (semi == std::string::npos || comma == std::string::npos || url.compare(semi, 8, ";base64,") != 0)
            bad(at + ": a data URL must be data:<media type>;base64,<data>");
        src.AddMember("type", "base64", a);
        src.AddMember("media_type", Value(url.substr(5, semi - 5).c_str(), a), a);
        src.AddMember("data", Value(url.substr(comma + 1).c_str(), a), a);
    } else {
        src.AddMember("type", "url", a);
        src.AddMember("url", Value(url.c_str(), a), a);
    }
    Value b(rapidjson::kObjectType);
    b.AddMember("type", "image", a);
    b.AddMember("source", src, a);
    return b;
}

// Content of a user or assistant message as blocks.
void add_content(const Value& content, const std::string& at, Value& blocks, Alloc& a) {
    if (content.IsString()) {
        if (content.GetStringLength() > 0) blocks.PushBack(text_block(content, a), a);
        return;
    }
    if (content.IsNull()) return;
    if (!content.IsArray()) bad(at + ".content must be a string or a list of parts");
    for (rapidjson::SizeType i = 0; i < content.Size(); ++i) {
        const Value& p = content[i];
        const std::string pat = at + ".content[" + std::to_string(i) + "]";
        if (!p.IsObject() || !p.HasMember("type") || !p["type"].IsString()) bad(pat + ".type is required");
        std::string_view type = p["type"].GetString();
        if (type == "text" && p.HasMember("text") && p["text"].IsString()) {
            blocks.PushBack(text_block(p["text"], a), a);
        } else if (type == "image_url" && p.HasMember("image_url")) {
            const Value& iu = p["image_url"];
            const Value* url = iu.IsString() ? &iu : iu.IsObject() && iu.HasMember("url") ? &iu["url"] : nullptr;
            if (!url || !url->IsString()) bad(pat + ".image_url.url is required");
            blocks.PushBack(image_block(url->GetString(), pat, a), a);
        } else {
            bad(pat + ": part type '" + std::string(type) + "' is not supported by the anthropic provider");
        }
    }
}

void add_tool_calls(const Value& calls, const std::string& at, Value& blocks, Alloc& a) {
    if (!calls.IsArray()) bad(at + ".tool_calls must be a list");
    for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
        const Value& c = calls[i];
        const std::string cat = at + ".tool_calls[" + std::to_string(i) + "]";
        if (!c.IsObject() || !c.HasMember("id") || !c["id"].IsString() || !c.HasMember("function") ||
            !c["function"].IsObject() || !c["function"].HasMember("name"))
            bad(cat + " needs id and function.name");
        const Value& fn = c["function"];
        rapidjson::Document args(&a);
        std::string raw = fn.HasMember("arguments") && fn["arguments"].IsString() ? fn["arguments"].GetString() : "{}";
        if (!parse_json(args, raw) || !args.IsObject()) bad(cat + ".function.arguments must be a JSON object");
        Value b(rapidjson::kObjectType), input;
        input.CopyFrom(args, a);
        b.AddMember("type", "tool_use", a);
        b.AddMember("id", Value(c["id"], a), a);
        b.AddMember("name", Value(fn["name"], a), a);
        b.AddMember("input", input, a);
        blocks.PushBack(b, a);
    }
}

// Appends blocks to the last message when it has the same role (the API wants alternation).
void push(Value& messages, const char* role, Value& blocks, Alloc& a) {
    if (blocks.Empty()) return;
    if (!messages.Empty() && std::string_view(messages[messages.Size() - 1]["role"].GetString()) == role) {
        Value& last = messages[messages.Size() - 1]["content"];
        for (auto& b : blocks.GetArray()) last.PushBack(Value(b, a), a);
        return;
    }
    Value m(rapidjson::kObjectType);
    m.AddMember("role", Value(role, a), a);
    m.AddMember("content", blocks, a);
    messages.PushBack(m, a);
}

void translate_tools(const rapidjson::Document& in, rapidjson::Document& out) {
    auto& a = out.GetAllocator();
    if (in.HasMember("tools") && in["tools"].IsArray() && !in["tools"].Empty()) {
        Value tools(rapidjson::kArrayType);
        for (const auto& t : in["tools"].GetArray()) {
            if (!t.IsObject() || !t.HasMember("function") || !t["function"].IsObject() || !t["function"].HasMember("name"))
                bad("tools: each tool needs function.name");
            const Value& fn = t["function"];
            Value tool(rapidjson::kObjectType);
            tool.AddMember("name", Value(fn["name"], a), a);
            if (fn.HasMember("description")) tool.AddMember("description", Value(fn["description"], a), a);
            Value schema(rapidjson::kObjectType);
            if (fn.HasMember("parameters") && fn["parameters"].IsObject()) schema.CopyFrom(fn["parameters"], a);
            else schema.AddMember("type", "object", a);
            tool.AddMember("input_schema", schema, a);
            tools.PushBack(tool, a);
        }
        out.AddMember("tools", tools, a);
    }
    if (!in.HasMember("tool_choice") || !out.HasMember("tools")) return;
    const Value& c = in["tool_choice"];
    Value choice(rapidjson::kObjectType);
    if (c.IsString() && std::string_view(c.GetString()) == "required") choice.AddMember("type", "any", a);
    else if (c.IsString() && std::string_view(c.GetString()) == "none") choice.AddMember("type", "none", a);
    else if (c.IsObject() && c.HasMember("function") && c["function"].IsObject() && c["function"].HasMember("name")) {
        choice.AddMember("type", "tool", a);
        choice.AddMember("name", Value(c["function"]["name"], a), a);
    } else {
        choice.AddMember("type", "auto", a);
    }
    if (in.HasMember("parallel_tool_calls") && in["parallel_tool_calls"].IsFalse())
        choice.AddMember("disable_parallel_tool_use", true, a);
    out.AddMember("tool_choice", choice, a);
}

}  // namespace

std::string to_messages_request(std::string_view chat_body, std::string_view model, bool stream,
                                int64_t default_max_tokens) {
    rapidjson::Document in;
    if (!parse_json(in, chat_body) || !in.IsObject() || !in.HasMember("messages") || !in["messages"].IsArray())
        bad("the request has no messages");
    rapidjson::Document out;
    out.SetObject();
    auto& a = out.GetAllocator();
    out.AddMember("model", Value(model.data(), static_cast<rapidjson::SizeType>(model.size()), a), a);
    int64_t max_tokens = default_max_tokens;
    for (const char* k : {"max_completion_tokens", "max_tokens"})
        if (in.HasMember(k) && in[k].IsInt64() && in[k].GetInt64() > 0) {
            max_tokens = in[k].GetInt64();
            break;
        }
    out.AddMember("max_tokens", max_tokens, a);
    std::string system;
    Value messages(rapidjson::kArrayType);
    const Value& msgs = in["messages"];
    for (rapidjson::SizeType i = 0; i < msgs.Size(); ++i) {
        const Value& m = msgs[i];
        const std::string at = "messages[" + std::to_string(i) + "]";
        if (!m.IsObject() || !m.HasMember("role") || !m["role"].IsString()) bad(at + ".role is required");
        std::string_view role = m["role"].GetString();
        const Value null_content;
        const Value& content = m.HasMember("content") ? m["content"] : null_content;
        Value blocks(rapidjson::kArrayType);
        if (role == "system" || role == "developer") {
            Value parts(rapidjson::kArrayType);
            add_content(content, at, parts, a);
            for (const auto& p : parts.GetArray())
                if (p.HasMember("text")) system.append(system.empty() ? "" : "\n\n").append(p["text"].GetString());
        } else if (role == "user") {
            add_content(content, at, blocks, a);
            push(messages, "user", blocks, a);
        } else if (role == "assistant") {
            add_content(content, at, blocks, a);
            if (m.HasMember("tool_calls")) add_tool_calls(m["tool_calls"], at, blocks, a);
            push(messages, "assistant", blocks, a);
        } else if (role == "tool") {
            if (!m.HasMember("tool_call_id") || !m["tool_call_id"].IsString()) bad(at + ".tool_call_id is required");
            Value parts(rapidjson::kArrayType), result(rapidjson::kObjectType);
            add_content(content, at, parts, a);
            result.AddMember("type", "tool_result", a);
            result.AddMember("tool_use_id", Value(m["tool_call_id"], a), a);
            result.AddMember("content", parts, a);
            blocks.PushBack(result, a);
            push(messages, "user", blocks, a);
        } else {
            bad(at + ".role '" + std::string(role) + "' is not supported");
        }
    }
    if (messages.Empty()) bad("messages: at least one user or assistant message is needed");
    if (std::string_view(messages[0]["role"].GetString()) != "user") {
        // The API wants a user turn first; an assistant prefix gets an empty-looking user turn.
        Value blocks(rapidjson::kArrayType), m(rapidjson::kObjectType);
        blocks.PushBack(text_block(Value("(continue)"), a), a);
        m.AddMember("role", "user", a);
        m.AddMember("content", blocks, a);
        Value reordered(rapidjson::kArrayType);
        reordered.PushBack(m, a);
        for (auto& x : messages.GetArray()) reordered.PushBack(Value(x, a), a);
        messages.Swap(reordered);
    }
    if (!system.empty()) out.AddMember("system", Value(system.c_str(), a), a);
    out.AddMember("messages", messages, a);
    for (const char* k : {"temperature", "top_p"})
        if (in.HasMember(k) && in[k].IsNumber()) out.AddMember(rapidjson::StringRef(k), Value(in[k], a), a);
    if (in.HasMember("stop")) {
        Value stops(rapidjson::kArrayType);
        if (in["stop"].IsString()) stops.PushBack(Value(in["stop"], a), a);
        else if (in["stop"].IsArray())
            for (const auto& s : in["stop"].GetArray())
                if (s.IsString()) stops.PushBack(Value(s, a), a);
        if (!stops.Empty()) out.AddMember("stop_sequences", stops, a);
    }
    translate_tools(in, out);
    if (in.HasMember("user") && in["user"].IsString()) {
        Value meta(rapidjson::kObjectType);
        meta.AddMember("user_id", Value(in["user"], a), a);
        out.AddMember("metadata", meta, a);
    }
    if (stream) out.AddMember("stream", true, a);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    out.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace sy_plugins::anthropic
