#include "gemini_provider.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>

#include "common/json_depth.hpp"
#include "common/json_fields.hpp"
#include "common/openai_chunks.hpp"
#include "common/upstream_errors.hpp"
#include "request_translation.hpp"

namespace sy_plugins::gemini {
namespace {

using switchyard::Error;
using switchyard::ResponseWriter;
using Value = rapidjson::Value;
using Writer = JsonWriter;

// The first candidate's parts, finish reason (empty when absent) and whether it calls functions.
struct Candidate {
    const Value* parts = nullptr;
    std::string finish;
    bool calls = false;
    bool blocked = false;  // the prompt was blocked: no candidate at all
};

Candidate candidate_of(const Value& d) {
    Candidate c;
    if (d.HasMember("candidates") && d["candidates"].IsArray() && !d["candidates"].Empty()) {
        const Value& cand = d["candidates"][0];
        c.finish = get_str(cand, "finishReason");
        if (cand.HasMember("content") && cand["content"].IsObject() && cand["content"].HasMember("parts") &&
            cand["content"]["parts"].IsArray()) {
            c.parts = &cand["content"]["parts"];
            for (const auto& p : c.parts->GetArray()) c.calls = c.calls || (p.IsObject() && p.HasMember("functionCall"));
        }
    } else if (d.HasMember("promptFeedback") && d["promptFeedback"].IsObject() &&
               !get_str(d["promptFeedback"], "blockReason").empty()) {
        c.blocked = true;
        c.finish = "SAFETY";
    }
    return c;
}

struct Usage {
    int64_t prompt = -1, completion = -1, cached = -1;
    void read(const Value& d) {
        if (!d.HasMember("usageMetadata") || !d["usageMetadata"].IsObject()) return;
        const Value& u = d["usageMetadata"];
        prompt = get_int(u, "promptTokenCount");
        completion = std::max<int64_t>(0, get_int(u, "candidatesTokenCount")) + std::max<int64_t>(0, get_int(u, "thoughtsTokenCount"));
        cached = get_int(u, "cachedContentTokenCount");
    }
    void write(Writer& w) const { write_usage(w, prompt, completion, std::max<int64_t>(0, cached)); }
};

// Text of the parts, and their function calls as OpenAI tool calls (with stream indexes when
// first_index >= 0).
std::string text_of(const Value* parts) {
    std::string text;
    if (parts)
        for (const auto& p : parts->GetArray()) text += get_str(p, "text");
    return text;
}

void write_calls(Writer& w, const Value& parts, int& next, bool with_index) {
    w.Key("tool_calls");
    w.StartArray();
    for (const auto& p : parts.GetArray()) {
        if (!p.IsObject() || !p.HasMember("functionCall")) continue;
        const Value& fc = p["functionCall"];
        w.StartObject();
        if (with_index) {
            w.Key("index");
            w.Int(next);
        }
        w.Key("id");
        w.String(("call_" + std::to_string(next++)).c_str());
        w.Key("type");
        w.String("function");
        w.Key("function");
        w.StartObject();
        w.Key("name");
        w.String(get_str(fc, "name").c_str());
        w.Key("arguments");
        std::string args = fc.HasMember("args") ? to_json(fc["args"]) : "{}";
        w.String(args.c_str(), static_cast<rapidjson::SizeType>(args.size()));
        w.EndObject();
        w.EndObject();
    }
    w.EndArray();
}

class SseStream final : public switchyard::ProviderStream {
public:
    explicit SseStream(bool include_usage) : include_usage_(include_usage) {}

    sy_status on_event(std::string_view, std::string_view data, ResponseWriter& out) override {
        rapidjson::Document d;
        if (!parse_json(d, data) || !d.IsObject())
            throw Error("upstream stream event is not a JSON object: " + std::string(data.substr(0, 80)), SY_ERR_UPSTREAM);
        if (d.HasMember("error")) {
            out.error(502, "upstream_error", "upstream stream error: " + upstream_error_message(d));
            return SY_DONE;
        }
        if (chunks_.id.empty()) chunks_.id = get_str(d, "responseId");
        if (chunks_.model.empty()) chunks_.model = get_str(d, "modelVersion");
        usage_.read(d);
        Candidate c = candidate_of(d);
        std::string text = text_of(c.parts);
        if (!role_sent_ || !text.empty() || c.calls) {
            emit(out, [&](Writer& w) {
                if (!role_sent_) {
                    w.Key("role");
                    w.String("assistant");
                }
                w.Key("content");
                w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
                if (c.calls) write_calls(w, *c.parts, next_call_, true);
            }, nullptr);
            role_sent_ = true;
        }
        calls_ = calls_ || c.calls;
        if (c.finish.empty()) return SY_OK;
        const char* finish = finish_reason_of(c.finish, calls_);
        out.finish_reason(finish);
        emit(out, [](Writer&) {}, finish);
        out.usage(usage_.prompt, usage_.completion, usage_.cached);
        if (include_usage_) chunks_.usage(out, usage_.prompt, usage_.completion, std::max<int64_t>(0, usage_.cached));
        return SY_DONE;  // Gemini streams end with the body; the finish reason is the end
    }

private:
    template <typename Fill>
    void emit(ResponseWriter& out, Fill fill, const char* finish) {
        chunks_.delta(out, fill, finish);
    }

    bool include_usage_;
    ChunkWriter chunks_;
    bool role_sent_ = false, calls_ = false;
    int next_call_ = 0;
    Usage usage_;
};

}  // namespace

const char* finish_reason_of(std::string_view reason, bool calls) {
    if (reason == "MAX_TOKENS") return "length";
    if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" || reason == "PROHIBITED_CONTENT" ||
        reason == "SPII" || reason == "IMAGE_SAFETY")
        return "content_filter";
    return calls ? "tool_calls" : "stop";
}

GeminiProvider::GeminiProvider(const switchyard::Host&, std::string_view config_json) : config_(Config::parse(config_json)) {}

void GeminiProvider::build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) {
    std::string body = to_generate_content(req.request().body_json());
    std::string path = "/models/" + std::string(req.upstream_model()) +
                       (req.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
    out.method("POST");
    out.path(path);
    out.header("Content-Type", "application/json");
    if (!config_.api_key.empty()) out.header("x-goog-api-key", config_.api_key);
    for (const auto& [name, value] : config_.headers) out.header(name, value);
    out.framing(SY_FRAMING_SSE);
    out.body(body);
}

void GeminiProvider::parse_response(const switchyard::ProviderRequest&, const sy_upstream_response& resp,
                                    ResponseWriter& out) {
    rapidjson::Document d;
    bool json_ok = parse_json(d, switchyard::view(resp.body)) && d.IsObject();
    if (resp.status < 200 || resp.status > 299) {
        auto [status, type] = map_upstream_error(resp.status);
        std::string msg = json_ok ? upstream_error_message(d) : std::string();
        out.error(status, type, "upstream answered HTTP " + std::to_string(resp.status) + (msg.empty() ? "" : ": " + msg));
        return;
    }
    if (!json_ok) throw Error("upstream answered 200 with a body that is not a JSON object", SY_ERR_UPSTREAM);
    Candidate c = candidate_of(d);
    if (!c.parts && !c.blocked && c.finish.empty()) throw Error("upstream answered 200 without a candidate", SY_ERR_UPSTREAM);
    Usage usage;
    usage.read(d);
    const char* finish = finish_reason_of(c.finish, c.calls);
    std::string text = text_of(c.parts);
    int64_t created = std::time(nullptr);
    rapidjson::StringBuffer sb;
    Writer w(sb);
    begin_completion(w, get_str(d, "responseId"), created, get_str(d, "modelVersion"));
    w.Key("content");
    if (text.empty() && (c.calls || c.blocked || std::string_view(finish) == "content_filter")) w.Null();
    else w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    int next = 0;
    if (c.calls) write_calls(w, *c.parts, next, false);
    w.EndObject();
    w.Key("finish_reason");
    w.String(finish);
    w.EndObject();
    w.EndArray();
    usage.write(w);
    w.EndObject();
    out.usage(usage.prompt, usage.completion, usage.cached);
    out.finish_reason(finish);
    out.body(std::string_view(sb.GetString(), sb.GetSize()));
}

std::unique_ptr<switchyard::ProviderStream> GeminiProvider::open_stream(const switchyard::ProviderRequest& req) {
    return std::make_unique<SseStream>(req.include_usage());
}

}  // namespace sy_plugins::gemini
