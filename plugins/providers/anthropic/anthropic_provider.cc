#include "anthropic_provider.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>
#include <map>

#include "common/json_depth.hpp"
#include "common/json_fields.hpp"
#include "common/openai_chunks.hpp"
#include "common/upstream_errors.hpp"
#include "request_translation.hpp"

namespace sy_plugins::anthropic {
namespace {

using switchyard::Error;
using switchyard::ResponseWriter;
using Value = rapidjson::Value;

// Input tokens as OpenAI counts them (cache reads and writes included) and the parts.
struct Usage {
    int64_t input = -1, output = -1, cache_read = -1, cache_write = -1;
    void read(const Value& u) {
        if (!u.IsObject()) return;
        if (int64_t v = get_int(u, "input_tokens"); v >= 0) input = v;
        if (int64_t v = get_int(u, "output_tokens"); v >= 0) output = v;
        if (int64_t v = get_int(u, "cache_read_input_tokens"); v >= 0) cache_read = v;
        if (int64_t v = get_int(u, "cache_creation_input_tokens"); v >= 0) cache_write = v;
    }
    int64_t prompt() const {
        return input < 0 ? -1 : input + std::max<int64_t>(0, cache_read) + std::max<int64_t>(0, cache_write);
    }
    void report(ResponseWriter& out) const { out.usage(prompt(), output, cache_read, cache_write); }
    void write_json(JsonWriter& w) const {
        write_usage(w, prompt(), output, std::max<int64_t>(0, cache_read));
    }
};

void report_error(int upstream_status, const Value& doc, bool json_ok, ResponseWriter& out) {
    auto [status, type] = map_upstream_error(upstream_status);
    std::string msg = json_ok ? upstream_error_message(doc) : std::string();
    out.error(status, type, "upstream answered HTTP " + std::to_string(upstream_status) + (msg.empty() ? "" : ": " + msg));
}

// The stream state: one chunk per upstream event that carries something.
class MessagesStream final : public switchyard::ProviderStream {
public:
    explicit MessagesStream(bool include_usage) : include_usage_(include_usage) {}

    sy_status on_event(std::string_view event, std::string_view data, ResponseWriter& out) override {
        rapidjson::Document d;
        if (!parse_json(d, data) || !d.IsObject())
            throw Error("upstream stream event is not a JSON object: " + std::string(data.substr(0, 80)), SY_ERR_UPSTREAM);
        std::string type = get_str(d, "type");
        if (type.empty()) type = std::string(event);
        if (type == "message_start") {
            const Value& m = d["message"];
            chunks_.id = get_str(m, "id");
            chunks_.model = get_str(m, "model");
            if (m.IsObject() && m.HasMember("usage")) usage_.read(m["usage"]);
            emit(out, [](auto& w) {
                w.Key("role");
                w.String("assistant");
                w.Key("content");
                w.String("");
            });
        } else if (type == "content_block_start") {
            const Value& b = d["content_block"];
            if (get_str(b, "type") == "tool_use") {
                int tool = next_tool_++;
                tools_[static_cast<int>(get_int(d, "index"))] = tool;
                std::string id = get_str(b, "id"), name = get_str(b, "name");
                emit(out, [&](auto& w) {
                    w.Key("tool_calls");
                    w.StartArray();
                    w.StartObject();
                    w.Key("index");
                    w.Int(tool);
                    w.Key("id");
                    w.String(id.c_str());
                    w.Key("type");
                    w.String("function");
                    w.Key("function");
                    w.StartObject();
                    w.Key("name");
                    w.String(name.c_str());
                    w.Key("arguments");
                    w.String("");
                    w.EndObject();
                    w.EndObject();
                    w.EndArray();
                });
            }
        } else if (type == "content_block_delta") {
            const Value& delta = d["delta"];
            std::string kind = get_str(delta, "type");
            if (kind == "text_delta") {
                std::string text = get_str(delta, "text");
                emit(out, [&](auto& w) {
                    w.Key("content");
                    w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
                });
            } else if (kind == "input_json_delta") {
                auto it = tools_.find(static_cast<int>(get_int(d, "index")));
                if (it == tools_.end()) throw Error("input_json_delta for a block that is not a tool_use", SY_ERR_UPSTREAM);
                std::string part = get_str(delta, "partial_json");
                if (part.empty()) return SY_OK;  // the API opens tool input with an empty fragment
                int tool = it->second;
                emit(out, [&](auto& w) {
                    w.Key("tool_calls");
                    w.StartArray();
                    w.StartObject();
                    w.Key("index");
                    w.Int(tool);
                    w.Key("function");
                    w.StartObject();
                    w.Key("arguments");
                    w.String(part.c_str(), static_cast<rapidjson::SizeType>(part.size()));
                    w.EndObject();
                    w.EndObject();
                    w.EndArray();
                });
            }
        } else if (type == "message_delta") {
            if (d.HasMember("usage")) usage_.read(d["usage"]);
            std::string stop = d.HasMember("delta") ? get_str(d["delta"], "stop_reason") : std::string();
            if (!stop.empty()) {
                finish_ = finish_reason_of(stop);
                out.finish_reason(finish_);
                emit(out, [](auto&) {}, finish_.c_str());
            }
        } else if (type == "message_stop") {
            usage_.report(out);
            if (include_usage_) usage_chunk(out);
            return SY_DONE;
        } else if (type == "error") {
            std::string etype = d.HasMember("error") ? get_str(d["error"], "type") : std::string();
            std::string msg = d.HasMember("error") ? get_str(d["error"], "message") : std::string();
            out.error(etype == "overloaded_error" ? 503 : etype == "rate_limit_error" ? 429 : 502, "upstream_error",
                      "upstream stream error: " + (msg.empty() ? etype : msg));
            return SY_DONE;
        }
        return SY_OK;  // ping, content_block_stop, unknown events
    }

private:
    template <typename Fill>
    void emit(ResponseWriter& out, Fill fill, const char* finish = nullptr) {
        chunks_.delta(out, fill, finish);
    }
    void usage_chunk(ResponseWriter& out) {
        chunks_.usage(out, usage_.prompt(), usage_.output, std::max<int64_t>(0, usage_.cache_read));
    }

    bool include_usage_;
    ChunkWriter chunks_;
    std::string finish_;
    std::map<int, int> tools_;  // content block index -> OpenAI tool call index
    int next_tool_ = 0;
    Usage usage_;
};

}  // namespace

const char* finish_reason_of(std::string_view stop) {
    if (stop == "max_tokens" || stop == "model_context_window_exceeded") return "length";
    if (stop == "tool_use") return "tool_calls";
    if (stop == "refusal") return "content_filter";
    return "stop";  // end_turn, stop_sequence, pause_turn
}

AnthropicProvider::AnthropicProvider(const switchyard::Host&, std::string_view config_json)
    : config_(Config::parse(config_json)) {}

void AnthropicProvider::build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) {
    std::string body = to_messages_request(req.request().body_json(), req.upstream_model(), req.stream(),
                                           config_.default_max_tokens);
    out.method("POST");
    out.path(config_.messages_path);
    out.header("Content-Type", "application/json");
    out.header("anthropic-version", config_.version);
    if (!config_.api_key.empty()) out.header("x-api-key", config_.api_key);
    for (const auto& [name, value] : config_.headers) out.header(name, value);
    if (req.stream()) out.header("Accept", "text/event-stream");
    out.framing(SY_FRAMING_SSE);
    out.body(body);
}

void AnthropicProvider::parse_response(const switchyard::ProviderRequest&, const sy_upstream_response& resp,
                                       ResponseWriter& out) {
    std::string_view body = switchyard::view(resp.body);
    rapidjson::Document d;
    bool json_ok = parse_json(d, body) && d.IsObject();
    if (resp.status < 200 || resp.status > 299) return report_error(resp.status, d, json_ok, out);
    if (!json_ok || !d.HasMember("content") || !d["content"].IsArray())
        throw Error("upstream answered 200 without a message", SY_ERR_UPSTREAM);
    Usage usage;
    if (d.HasMember("usage")) usage.read(d["usage"]);
    std::string text;
    bool has_text = false;
    for (const auto& b : d["content"].GetArray())
        if (get_str(b, "type") == "text") text += get_str(b, "text"), has_text = true;
    const char* finish = finish_reason_of(get_str(d, "stop_reason"));
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    begin_completion(w, get_str(d, "id"), std::time(nullptr), get_str(d, "model"));
    w.Key("content");
    if (has_text) w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
    else w.Null();
    bool tools = false;
    for (const auto& b : d["content"].GetArray()) {
        if (get_str(b, "type") != "tool_use") continue;
        if (!tools) {
            w.Key("tool_calls");
            w.StartArray();
            tools = true;
        }
        w.StartObject();
        w.Key("id");
        w.String(get_str(b, "id").c_str());
        w.Key("type");
        w.String("function");
        w.Key("function");
        w.StartObject();
        w.Key("name");
        w.String(get_str(b, "name").c_str());
        w.Key("arguments");
        std::string args = b.HasMember("input") ? to_json(b["input"]) : "{}";
        w.String(args.c_str(), static_cast<rapidjson::SizeType>(args.size()));
        w.EndObject();
        w.EndObject();
    }
    if (tools) w.EndArray();
    w.EndObject();
    w.Key("finish_reason");
    w.String(finish);
    w.EndObject();
    w.EndArray();
    usage.write_json(w);
    w.EndObject();
    usage.report(out);
    out.finish_reason(finish);
    out.body(std::string_view(sb.GetString(), sb.GetSize()));
}

std::unique_ptr<switchyard::ProviderStream> AnthropicProvider::open_stream(const switchyard::ProviderRequest& req) {
    return std::make_unique<MessagesStream>(req.include_usage());
}

}  // namespace sy_plugins::anthropic
