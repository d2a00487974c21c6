#include "request_translation.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

#include <switchyard/sdk.hpp>

#include "common/json_depth.hpp"
#include "common/json_fields.hpp"

namespace sy_plugins::gemini {
namespace {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

[[noreturn]] void bad(const std::string& what) { throw switchyard::Error(what, SY_ERR_BAD_REQUEST); }

Value text_part(const std::string& text, Alloc& a) {
    Value p(rapidjson::kObjectType);
    p.AddMember("text", Value(text.c_str(), a), a);
    return p;
}

Value image_part(const std::string& url, Alloc& a) {
    Value p(rapidjson::kObjectType), data(rapidjson::kObjectType);
    if (url.rfind("data:", 0) == 0) {
        size_t semi = url.find(';'), comma = url.find(',');
        if (semi == std::string::npos || comma == std::string::npos) bad("image data URLs must be data:<type>;base64,<data>");
        data.AddMember("mimeType", Value(url.substr(5, semi - 5).c_str(), a), a);
        data.AddMember("data", Value(url.substr(comma + 1).c_str(), a), a);
        p.AddMember("inlineData", data, a);
    } else {
        // fileData wants a MIME type; the URL's extension tells the common image types.
        std::string ext = url.substr(url.find_last_of('.') == std::string::npos ? url.size() : url.find_last_of('.') + 1);
        const char* mime = ext == "png" ? "image/png" : ext == "gif" ? "image/gif" : ext == "webp" ? "image/webp"
                         : ext == "jpg" || ext == "jpeg" ? "image/jpeg" : nullptr;
        if (mime) data.AddMember("mimeType", Value(mime, a), a);
        data.AddMember("fileUri", Value(url.c_str(), a), a);
        p.AddMember("fileData", data, a);
    }
    return p;
}

void add_content(const Value& content, const std::string& at, Value& parts, Alloc& a) {
    if (content.IsString()) {
        if (content.GetStringLength()) parts.PushBack(text_part(content.GetString(), a), a);
        return;
    }
    if (!content.IsArray()) return;
    for (rapidjson::SizeType i = 0; i < content.Size(); ++i) {
        const Value& p = content[i];
        std::string type = get_str(p, "type");
        if (type == "text") parts.PushBack(text_part(get_str(p, "text"), a), a);
        else if (type == "image_url") {
            const Value& iu = p["image_url"];
            parts.PushBack(image_part(iu.IsString() ? iu.GetString() : get_str(iu, "url"), a), a);
        } else {
            bad(at + ".content[" + std::to_string(i) + "]: part type '" + type + "' is not supported by the gemini provider");
        }
    }
}

// Appends parts to the last content when it has the same role (Gemini wants alternation).
void push(Value& contents, const char* role, Value& parts, Alloc& a) {
    if (parts.Empty()) return;
    if (!contents.Empty() && get_str(contents[contents.Size() - 1], "role") == role) {
        for (auto& p : parts.GetArray()) contents[contents.Size() - 1]["parts"].PushBack(Value(p, a), a);
        return;
    }
    Value c(rapidjson::kObjectType);
    c.AddMember("role", Value(role, a), a);
    c.AddMember("parts", parts, a);
    contents.PushBack(c, a);
}

void generation_config(const rapidjson::Document& in, Value& gc, Alloc& a) {
    auto copy = [&](const char* from, const char* to) {
        if (in.HasMember(from) && in[from].IsNumber()) gc.AddMember(rapidjson::StringRef(to), Value(in[from], a), a);
    };
    copy("temperature", "temperature");
    copy("top_p", "topP");
    copy("seed", "seed");
    copy("presence_penalty", "presencePenalty");
    copy("frequency_penalty", "frequencyPenalty");
    copy("n", "candidateCount");
    if (in.HasMember("max_completion_tokens") && in["max_completion_tokens"].IsInt64()) copy("max_completion_tokens", "maxOutputTokens");
    else copy("max_tokens", "maxOutputTokens");
    if (in.HasMember("stop")) {
        Value stops(rapidjson::kArrayType);
        if (in["stop"].IsString()) stops.PushBack(Value(in["stop"], a), a);
        else if (in["stop"].IsArray()) stops.CopyFrom(in["stop"], a);
        gc.AddMember("stopSequences", stops, a);
    }
    if (in.HasMember("response_format") && in["response_format"].IsObject()) {
        const Value& rf = in["response_format"];
        std::string type = get_str(rf, "type");
        if (type == "json_object" || type == "json_schema") gc.AddMember("responseMimeType", "application/json", a);
        if (type == "json_schema" && rf.HasMember("json_schema") && rf["json_schema"].IsObject() &&
            rf["json_schema"].HasMember("schema"))
            gc.AddMember("responseSchema", Value(rf["json_schema"]["schema"], a), a);
    }
}

void tools(const rapidjson::Document& in, rapidjson::Document& out) {
    auto& a = out.GetAllocator();
    if (!in.HasMember("tools") || !in["tools"].IsArray() || in["tools"].Empty()) return;
    Value decls(rapidjson::kArrayType);
    for (const auto& t : in["tools"].GetArray()) {
        if (!t.IsObject() || !t.HasMember("function") || !t["function"].HasMember("name")) bad("tools: each tool needs function.name");
        const Value& fn = t["function"];
        Value d(rapidjson::kObjectType);
        d.AddMember("name", Value(fn["name"], a), a);
        if (fn.HasMember("description")) d.AddMember("description", Value(fn["description"], a), a);
        if (fn.HasMember("parameters")) d.AddMember("parameters", Value(fn["parameters"], a), a);
        decls.PushBack(d, a);
    }
    Value tool(rapidjson::kObjectType), list(rapidjson::kArrayType);
    tool.AddMember("functionDeclarations", decls, a);
    list.PushBack(tool, a);
    out.AddMember("tools", list, a);
    if (!in.HasMember("tool_choice")) return;
    const Value& c = in["tool_choice"];
    Value fcc(rapidjson::kObjectType), tc(rapidjson::kObjectType);
    if (c.IsString() && std::string_view(c.GetString()) == "required") fcc.AddMember("mode", "ANY", a);
    else if (c.IsString() && std::string_view(c.GetString()) == "none") fcc.AddMember("mode", "NONE", a);
    else if (c.IsObject() && c.HasMember("function")) {
        Value names(rapidjson::kArrayType);
        names.PushBack(Value(get_str(c["function"], "name").c_str(), a), a);
        fcc.AddMember("mode", "ANY", a);
        fcc.AddMember("allowedFunctionNames", names, a);
    } else {
        fcc.AddMember("mode", "AUTO", a);
    }
    tc.AddMember("functionCallingConfig", fcc, a);
    out.AddMember("toolConfig", tc, a);
}

}  // namespace

std::string to_generate_content(std::string_view chat_body) {
    rapidjson::Document in;
    if (!parse_json(in, chat_body) || !in.IsObject() || !in.HasMember("messages") || !in["messages"].IsArray())
        bad("the request has no messages");
    rapidjson::Document out;
    out.SetObject();
    auto& a = out.GetAllocator();
    Value contents(rapidjson::kArrayType), system(rapidjson::kArrayType);
    std::map<std::string, std::string> call_names;  // tool call id -> function name
    for (rapidjson::SizeType i = 0; i < in["messages"].Size(); ++i) {
        const Value& m = in["messages"][i];
        const std::string at = "messages[" + std::to_string(i) + "]";
        std::string role = get_str(m, "role");
        const Value null_content;
        const Value& content = m.IsObject() && m.HasMember("content") ? m["content"] : null_content;
        Value parts(rapidjson::kArrayType);
        if (role == "system" || role == "developer") {
            add_content(content, at, system, a);
        } else if (role == "user") {
            add_content(content, at, parts, a);
            push(contents, "user", parts, a);
        } else if (role == "assistant") {
            add_content(content, at, parts, a);
            if (m.HasMember("tool_calls") && m["tool_calls"].IsArray())
                for (const auto& c : m["tool_calls"].GetArray()) {
                    const Value& fn = c["function"];
                    rapidjson::Document args(&a);
                    std::string raw = get_str(fn, "arguments");
                    if (!parse_json(args, raw.empty() ? "{}" : raw.c_str()) || !args.IsObject()) bad(at + ".tool_calls: arguments must be a JSON object");
                    Value call(rapidjson::kObjectType), part(rapidjson::kObjectType), obj;
                    obj.CopyFrom(args, a);
                    call.AddMember("name", Value(get_str(fn, "name").c_str(), a), a);
                    call.AddMember("args", obj, a);
                    part.AddMember("functionCall", call, a);
                    parts.PushBack(part, a);
                    call_names[get_str(c, "id")] = get_str(fn, "name");
                }
            push(contents, "model", parts, a);
        } else if (role == "tool") {
            auto name = call_names.find(get_str(m, "tool_call_id"));
            if (name == call_names.end()) bad(at + ".tool_call_id does not answer a tool call of this conversation");
            Value text_parts(rapidjson::kArrayType);
            add_content(content, at, text_parts, a);
            std::string text;
            for (const auto& p : text_parts.GetArray()) text += get_str(p, "text");
            Value response(rapidjson::kObjectType), fr(rapidjson::kObjectType), part(rapidjson::kObjectType);
            response.AddMember("content", Value(text.c_str(), a), a);
            fr.AddMember("name", Value(name->second.c_str(), a), a);
            fr.AddMember("response", response, a);
            part.AddMember("functionResponse", fr, a);
            parts.PushBack(part, a);
            push(contents, "user", parts, a);
        } else {
            bad(at + ".role '" + role + "' is not supported");
        }
    }
    if (contents.Empty()) bad("messages: at least one user or assistant message is needed");
    out.AddMember("contents", contents, a);
    if (!system.Empty()) {
        Value si(rapidjson::kObjectType);
        si.AddMember("parts", system, a);
        out.AddMember("systemInstruction", si, a);
    }
    Value gc(rapidjson::kObjectType);
    generation_config(in, gc, a);
    if (!gc.ObjectEmpty()) out.AddMember("generationConfig", gc, a);
    tools(in, out);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    out.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace sy_plugins::gemini
