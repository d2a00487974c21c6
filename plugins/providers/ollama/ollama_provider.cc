#include "ollama_provider.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>

#include "common/json_depth.hpp"
#include "common/json_fields.hpp"
#include "common/base64.hpp"
#include "common/openai_chunks.hpp"
#include "common/upstream_errors.hpp"

namespace sy_plugins::ollama {
namespace {

using switchyard::Error;
using switchyard::ResponseWriter;
using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;
using Writer = JsonWriter;

[[noreturn]] void bad(const std::string& what) { throw Error(what, SY_ERR_BAD_REQUEST); }

// One OpenAI message as an Ollama message: text content, base64 images, tool calls.
Value message(const Value& m, const std::string& at, Alloc& a) {
    Value out(rapidjson::kObjectType);
    out.AddMember("role", Value(m["role"], a), a);
    std::string text;
    Value images(rapidjson::kArrayType);
    const Value* content = m.HasMember("content") ? &m["content"] : nullptr;
    if (content && content->IsString()) {
        text = content->GetString();
    } else if (content && content->IsArray()) {
        for (rapidjson::SizeType i = 0; i < content->Size(); ++i) {
            const Value& p = (*content)[i];
            std::string type = get_str(p, "type");
            if (type == "text") {
                text.append(text.empty() ? "" : "\n").append(get_str(p, "text"));
            } else if (type == "image_url") {
                const Value& iu = p["image_url"];
                std::string url = iu.IsString() ? iu.GetString() : get_str(iu, "url");
                size_t comma = url.find(',');
                if (url.rfind("data:", 0) != 0 || comma == std::string::npos || url.find(";base64,") == std::string::npos)
                    bad(at + ".content[" + std::to_string(i) + "]: ollama takes images as data: URLs with base64 data");
                images.PushBack(Value(url.substr(comma + 1).c_str(), a), a);
            } else {
                bad(at + ".content[" + std::to_string(i) + "]: part type '" + type + "' is not supported by the ollama provider");
            }
        }
    }
    out.AddMember("content", Value(text.c_str(), a), a);
    if (!images.Empty()) out.AddMember("images", images, a);
    if (m.HasMember("tool_calls") && m["tool_calls"].IsArray()) {
        Value calls(rapidjson::kArrayType);
        for (const auto& c : m["tool_calls"].GetArray()) {
            const Value& fn = c["function"];
            rapidjson::Document args(&a);
            std::string raw = get_str(fn, "arguments");
            if (!parse_json(args, raw.empty() ? "{}" : raw.c_str()) || !args.IsObject()) bad(at + ".tool_calls: arguments must be a JSON object");
            Value f(rapidjson::kObjectType), call(rapidjson::kObjectType), obj;
            obj.CopyFrom(args, a);
            f.AddMember("name", Value(get_str(fn, "name").c_str(), a), a);
            f.AddMember("arguments", obj, a);
            call.AddMember("function", f, a);
            calls.PushBack(call, a);
        }
        out.AddMember("tool_calls", calls, a);
    }
    return out;
}

std::string chat_request(std::string_view body, std::string_view model, bool stream, const Config& cfg) {
    rapidjson::Document in;
    if (!parse_json(in, body) || !in.IsObject() || !in.HasMember("messages") || !in["messages"].IsArray())
        bad("the request has no messages");
    rapidjson::Document out;
    out.SetObject();
    auto& a = out.GetAllocator();
    out.AddMember("model", Value(std::string(model).c_str(), a), a);
    Value messages(rapidjson::kArrayType);
    for (rapidjson::SizeType i = 0; i < in["messages"].Size(); ++i) {
        const Value& m = in["messages"][i];
        std::string at = "messages[" + std::to_string(i) + "]";
        std::string role = get_str(m, "role");
        if (role == "developer") role = "system";
        if (role != "system" && role != "user" && role != "assistant" && role != "tool") bad(at + ".role is not supported");
        Value msg = message(m, at, a);
        msg["role"].SetString(role.c_str(), a);
        messages.PushBack(msg, a);
    }
    out.AddMember("messages", messages, a);
    if (in.HasMember("tools") && in["tools"].IsArray() && !in["tools"].Empty()) out.AddMember("tools", Value(in["tools"], a), a);
    out.AddMember("stream", stream, a);
    Value options(rapidjson::kObjectType);
    for (const char* k : {"max_completion_tokens", "max_tokens"})
        if (in.HasMember(k) && in[k].IsInt64()) {
            options.AddMember("num_predict", Value(in[k], a), a);
            break;
        }
    for (const char* k : {"temperature", "top_p", "seed", "frequency_penalty", "presence_penalty"})
        if (in.HasMember(k) && in[k].IsNumber()) options.AddMember(rapidjson::StringRef(k), Value(in[k], a), a);
    if (in.HasMember("stop")) {
        Value stops(rapidjson::kArrayType);
        if (in["stop"].IsString()) stops.PushBack(Value(in["stop"], a), a);
        else if (in["stop"].IsArray()) stops.CopyFrom(in["stop"], a);
        options.AddMember("stop", stops, a);
    }
    if (!options.ObjectEmpty()) out.AddMember("options", options, a);
    if (in.HasMember("response_format") && in["response_format"].IsObject()) {
        const Value& rf = in["response_format"];
        std::string type = get_str(rf, "type");
        if (type == "json_object") out.AddMember("format", "json", a);
        else if (type == "json_schema" && rf.HasMember("json_schema") && rf["json_schema"].HasMember("schema"))
            out.AddMember("format", Value(rf["json_schema"]["schema"], a), a);
    }
    if (in.HasMember("keep_alive")) out.AddMember("keep_alive", Value(in["keep_alive"], a), a);
    else if (!cfg.keep_alive.empty()) out.AddMember("keep_alive", Value(cfg.keep_alive.c_str(), a), a);
    return to_json(out);
}

const char* finish_of(const Value& d, bool tool_calls) {
    if (tool_calls) return "tool_calls";
    return get_str(d, "done_reason") == "length" ? "length" : "stop";
}

// message.tool_calls as OpenAI tool calls (ids are made up: Ollama has none).
void write_tool_calls(Writer& w, const Value& calls, int first_index, bool with_index) {
    w.Key("tool_calls");
    w.StartArray();
    int i = first_index;
    for (const auto& c : calls.GetArray()) {
        const Value& fn = c["function"];
        w.StartObject();
        if (with_index) {
            w.Key("index");
            w.Int(i);
        }
        w.Key("id");
        w.String(("call_" + std::to_string(i)).c_str());
        w.Key("type");
        w.String("function");
        w.Key("function");
        w.StartObject();
        w.Key("name");
        w.String(get_str(fn, "name").c_str());
        w.Key("arguments");
        std::string args = fn.HasMember("arguments") ? to_json(fn["arguments"]) : "{}";
        w.String(args.c_str(), static_cast<rapidjson::SizeType>(args.size()));
        w.EndObject();
        w.EndObject();
        ++i;
    }
    w.EndArray();
}

void report_error(const sy_upstream_response& resp, ResponseWriter& out) {
    rapidjson::Document d;
    bool json_ok = parse_json(d, switchyard::view(resp.body)) && d.IsObject();
    auto [status, type] = map_upstream_error(resp.status);
    std::string msg = json_ok ? upstream_error_message(d) : std::string();
    out.error(status, type, "upstream answered HTTP " + std::to_string(resp.status) + (msg.empty() ? "" : ": " + msg));
}

class NdjsonStream final : public switchyard::ProviderStream {
public:
    explicit NdjsonStream(bool include_usage) : include_usage_(include_usage) {
        chunks_.id = "chatcmpl-ollama-" + std::to_string(chunks_.created);
    }

    sy_status on_event(std::string_view, std::string_view line, ResponseWriter& out) override {
        rapidjson::Document d;
        if (!parse_json(d, line) || !d.IsObject())
            throw Error("upstream stream line is not a JSON object: " + std::string(line.substr(0, 80)), SY_ERR_UPSTREAM);
        if (d.HasMember("error")) {
            out.error(502, "upstream_error", "upstream stream error: " + get_str(d, "error"));
            return SY_DONE;
        }
        chunks_.model = get_str(d, "model");
        const Value* msg = d.HasMember("message") && d["message"].IsObject() ? &d["message"] : nullptr;
        bool done = d.HasMember("done") && d["done"].IsTrue();
        std::string text = msg ? get_str(*msg, "content") : std::string();
        bool calls = msg && msg->HasMember("tool_calls") && (*msg)["tool_calls"].IsArray() && !(*msg)["tool_calls"].Empty();
        if (!role_sent_ || !text.empty() || calls) {
            emit(out, [&](Writer& w) {
                if (!role_sent_) {
                    w.Key("role");
                    w.String("assistant");
                }
                w.Key("content");
                w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
                if (calls) write_tool_calls(w, (*msg)["tool_calls"], tools_, true);
            }, nullptr);
            role_sent_ = true;
            if (calls) tools_ += static_cast<int>((*msg)["tool_calls"].Size());
        }
        if (!done) return SY_OK;
        const char* finish = finish_of(d, tools_ > 0);
        out.finish_reason(finish);
        emit(out, [](Writer&) {}, finish);
        int64_t prompt = get_int(d, "prompt_eval_count"), completion = get_int(d, "eval_count");
        out.usage(prompt, completion);
        if (include_usage_) chunks_.usage(out, prompt, completion);
        return SY_DONE;
    }

private:
    template <typename Fill>
    void emit(ResponseWriter& out, Fill fill, const char* finish) {
        chunks_.delta(out, fill, finish);
    }

    bool include_usage_;
    ChunkWriter chunks_;
    bool role_sent_ = false;
    int tools_ = 0;
};

}  // namespace

OllamaProvider::OllamaProvider(const switchyard::Host&, std::string_view config_json) : config_(Config::parse(config_json)) {}

void OllamaProvider::headers(switchyard::HttpBuilder& out) const {
    out.method("POST");
    out.header("Content-Type", "application/json");
    for (const auto& [name, value] : config_.headers) out.header(name, value);
}

void OllamaProvider::build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) {
    std::string body = chat_request(req.request().body_json(), req.upstream_model(), req.stream(), config_);
    headers(out);
    out.path(config_.chat_path);
    out.framing(SY_FRAMING_NDJSON);
    out.body(body);
}

void OllamaProvider::parse_response(const switchyard::ProviderRequest&, const sy_upstream_response& resp,
                                    ResponseWriter& out) {
    if (resp.status < 200 || resp.status > 299) return report_error(resp, out);
    rapidjson::Document d;
    if (!parse_json(d, switchyard::view(resp.body)) || !d.IsObject() || !d.HasMember("message") || !d["message"].IsObject())
        throw Error("upstream answered 200 without a message", SY_ERR_UPSTREAM);
    const Value& msg = d["message"];
    bool calls = msg.HasMember("tool_calls") && msg["tool_calls"].IsArray() && !msg["tool_calls"].Empty();
    const char* finish = finish_of(d, calls);
    int64_t prompt = get_int(d, "prompt_eval_count"), completion = get_int(d, "eval_count");
    rapidjson::StringBuffer sb;
    Writer w(sb);
    int64_t created = std::time(nullptr);
    begin_completion(w, "chatcmpl-ollama-" + std::to_string(created), created, get_str(d, "model"));
    w.Key("content");
    std::string text = get_str(msg, "content");
    if (calls && text.empty()) w.Null();
    else w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    if (calls) write_tool_calls(w, msg["tool_calls"], 0, false);
    w.EndObject();
    w.Key("finish_reason");
    w.String(finish);
    w.EndObject();
    w.EndArray();
    write_usage(w, prompt, completion);
    w.EndObject();
    out.usage(prompt, completion);
    out.finish_reason(finish);
    out.body(std::string_view(sb.GetString(), sb.GetSize()));
}

std::unique_ptr<switchyard::ProviderStream> OllamaProvider::open_stream(const switchyard::ProviderRequest& req) {
    return std::make_unique<NdjsonStream>(req.include_usage());
}

void OllamaProvider::build_embeddings(const switchyard::EmbeddingsRequest& req, switchyard::HttpBuilder& out) {
    rapidjson::Document in;
    if (!parse_json(in, req.body_json()) || !in.IsObject() || !in.HasMember("input")) bad("the request has no input");
    rapidjson::Document out_doc;
    out_doc.SetObject();
    auto& a = out_doc.GetAllocator();
    out_doc.AddMember("model", Value(std::string(req.upstream_model()).c_str(), a), a);
    out_doc.AddMember("input", Value(in["input"], a), a);
    if (in.HasMember("dimensions")) out_doc.AddMember("dimensions", Value(in["dimensions"], a), a);
    if (!config_.keep_alive.empty()) out_doc.AddMember("keep_alive", Value(config_.keep_alive.c_str(), a), a);
    headers(out);
    out.path(config_.embed_path);
    out.body(to_json(out_doc));
}

void OllamaProvider::parse_embeddings(const switchyard::EmbeddingsRequest& req, const sy_upstream_response& resp,
                                      ResponseWriter& out) {
    if (resp.status < 200 || resp.status > 299) return report_error(resp, out);
    rapidjson::Document d;
    if (!parse_json(d, switchyard::view(resp.body)) || !d.IsObject() || !d.HasMember("embeddings") || !d["embeddings"].IsArray())
        throw Error("upstream answered 200 without embeddings", SY_ERR_UPSTREAM);
    int64_t prompt = get_int(d, "prompt_eval_count");
    if (prompt < 0) prompt = req.input_tokens();
    rapidjson::Document asked;  // Ollama answers floats; base64 is ours to make when asked for
    const bool as_base64 = parse_json(asked, req.body_json()) && asked.IsObject() && get_str(asked, "encoding_format") == "base64";
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("object");
    w.String("list");
    w.Key("data");
    w.StartArray();
    int i = 0;
    for (const auto& v : d["embeddings"].GetArray()) {
        w.StartObject();
        w.Key("object");
        w.String("embedding");
        w.Key("index");
        w.Int(i++);
        w.Key("embedding");
        if (as_base64 && v.IsArray()) {
            std::vector<float> floats;
            for (const auto& x : v.GetArray()) floats.push_back(x.IsNumber() ? static_cast<float>(x.GetDouble()) : 0.0f);
            std::string b = base64_floats(floats);
            w.String(b.c_str(), static_cast<rapidjson::SizeType>(b.size()));
        } else {
            v.Accept(w);
        }
        w.EndObject();
    }
    w.EndArray();
    w.Key("model");
    w.String(get_str(d, "model").c_str());
    w.Key("usage");
    w.StartObject();
    w.Key("prompt_tokens");
    w.Int64(prompt);
    w.Key("total_tokens");
    w.Int64(prompt);
    w.EndObject();
    w.EndObject();
    out.usage(prompt, 0);
    out.body(std::string_view(sb.GetString(), sb.GetSize()));
}

}  // namespace sy_plugins::ollama
