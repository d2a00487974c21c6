#include "openai_provider.hpp"

#include "common/json_depth.hpp"
#include "common/json_splice.hpp"
#include "common/upstream_errors.hpp"

#include <rapidjson/document.h>

#include <array>
#include <cstring>
#include <optional>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/plugin_config.hpp"

namespace sy_plugins::openai {
namespace {

using switchyard::Error;
using switchyard::ResponseWriter;

// Memory for an answer's document whose first 8 KiB are in the caller's frame: rapidjson's own
// first chunk is 64 KiB from the heap, an allocation (with its free) that costs more than
// parsing a short answer.
struct FramePool {
    char buffer[8192];
    rapidjson::MemoryPoolAllocator<> allocator{buffer, sizeof buffer};
};

// Reads usage {prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens}.
void report_usage(const rapidjson::Value& usage, ResponseWriter& out) {
    if (!usage.IsObject()) return;
    auto get = [&](const rapidjson::Value& obj, const char* key) -> int64_t {
        auto it = obj.FindMember(key);
        return it != obj.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
    };
    int64_t cached = -1;
    if (auto d = usage.FindMember("prompt_tokens_details"); d != usage.MemberEnd() && d->value.IsObject())
        cached = get(d->value, "cached_tokens");
    out.usage(get(usage, "prompt_tokens"), get(usage, "completion_tokens"), cached);
}

void report_finish(const rapidjson::Value& doc, ResponseWriter& out) {
    auto choices = doc.FindMember("choices");
    if (choices == doc.MemberEnd() || !choices->value.IsArray()) return;
    for (const auto& c : choices->value.GetArray()) {
        if (!c.IsObject()) continue;
        auto fr = c.FindMember("finish_reason");
        if (fr != c.MemberEnd() && fr->value.IsString()) out.finish_reason(sv(fr->value));
    }
}

// What a stream event is, found in one pass of rapidjson's reader (no document built): not JSON,
// a plain delta that passes through untouched (most events), or one that carries usage, an error
// or a finish reason and needs a parsed document.
enum class EventKind { invalid, plain, needs_document };

// The reader's handler: a key named usage or error, or finish_reason with a value other than
// null, at any depth (a superset of what the document is read for).
struct EventScan : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, EventScan> {
    bool needs_document = false;
    bool after_finish_reason = false;

    bool Key(const char* text, rapidjson::SizeType length, bool) {
        const std::string_view key(text, length);
        after_finish_reason = key == "finish_reason";
        if (key == "usage" || key == "error") needs_document = true;
        return true;
    }
    bool Null() {
        after_finish_reason = false;
        return true;
    }
    bool Default() {  // any other value (or container) right after finish_reason
        needs_document = needs_document || after_finish_reason;
        after_finish_reason = false;
        return true;
    }
};

// The reader works in place on a reused NUL-terminated copy (a raw control byte is never valid JSON):
// strings are not copied out, and the terminator lets rapidjson scan 16 bytes at a time.
EventKind scan_event(std::string_view data) {
    const size_t first = data.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || data[first] != '{') return EventKind::invalid;  // an object, or nothing
    if (!parseable_json(data)) return EventKind::invalid;
    thread_local std::string copy;
    copy.assign(data);
    rapidjson::Reader reader;
    EventScan scan;
    rapidjson::InsituStringStream in(copy.data());
    if (reader.Parse<rapidjson::kParseInsituFlag>(in, scan).IsError()) return EventKind::invalid;
    return scan.needs_document ? EventKind::needs_document : EventKind::plain;
}

// The event data on one line: a JSON value may hold CR and LF as whitespace (an upstream's
// multi-line `data:` fields arrive joined by LF), but in a relayed frame each would start a new
// SSE line and cut the client's event short (found by fuzzing). Only called on validated JSON,
// where they cannot be inside a string.
std::string_view one_line(std::string_view data, std::string& buf) {
    // memchr twice, not find_first_of, which tries every byte against the set one call at a time
    if (!std::memchr(data.data(), '\n', data.size()) && !std::memchr(data.data(), '\r', data.size())) return data;
    buf.assign(data);
    for (char& c : buf)
        if (c == '\r' || c == '\n') c = ' ';
    return buf;
}

class OpenAIStream final : public switchyard::ProviderStream {
public:
    explicit OpenAIStream(bool forward_usage) : forward_usage_(forward_usage) {}

    sy_status on_event(std::string_view, std::string_view data, ResponseWriter& out) override {
        if (data == "[DONE]") return SY_DONE;
        const EventKind kind = scan_event(data);
        if (kind == EventKind::invalid)
            throw Error("upstream stream event is not a JSON object: " + std::string(data.substr(0, 80)), SY_ERR_UPSTREAM);
        if (kind == EventKind::plain) {
            out.chunk(one_line(data, line_));
            return SY_OK;
        }
        rapidjson::Document doc;  // read here only
        if (!parse_json_in_place(doc, data) || !doc.IsObject())
            throw Error("upstream stream event is not a JSON object: " + std::string(data.substr(0, 80)), SY_ERR_UPSTREAM);
        if (std::string msg = upstream_error_message(doc); !msg.empty() || doc.HasMember("error")) {
            out.error(502, "upstream_error", msg.empty() ? "upstream sent an error event" : msg);
            return SY_OK;
        }
        bool usage_only = false;
        if (auto u = doc.FindMember("usage"); u != doc.MemberEnd() && u->value.IsObject()) {
            report_usage(u->value, out);
            auto choices = doc.FindMember("choices");
            usage_only = choices == doc.MemberEnd() || (choices->value.IsArray() && choices->value.Empty());
        }
        report_finish(doc, out);
        if (!usage_only || forward_usage_) out.chunk(one_line(data, line_));
        return SY_OK;
    }

private:
    bool forward_usage_;
    std::string line_;  // one_line's copy, reused across events
};

}  // namespace

OpenAIProvider::OpenAIProvider(const switchyard::Host&, std::string_view config_json)
    : config_(Config::parse(config_json)) {
    if (!config_.api_key.empty()) auth_header_ = "Bearer " + config_.api_key;
}

// The client's body with `model` set to the upstream name.
static rapidjson::Document with_model(std::string_view body, std::string_view model) {
    rapidjson::Document doc;
    if (!parse_json(doc, body) || !doc.IsObject()) throw Error("request body is not a JSON object", SY_ERR_BAD_REQUEST);
    rapidjson::Value model_value(model.data(), static_cast<rapidjson::SizeType>(model.size()), doc.GetAllocator());
    if (auto it = doc.FindMember("model"); it != doc.MemberEnd()) it->value = model_value;
    else doc.AddMember("model", model_value, doc.GetAllocator());
    return doc;
}

// The client's body with only the model renamed, spliced into its text, when nothing else must
// change: a whole answer asked for a body that does not stream, or a stream whose
// stream_options already ask for usage. "" when the body is right as it is; nullopt: the document
// path must edit it.
static std::optional<std::string> spliced_body(std::string_view body, std::string_view model, bool stream) {
    std::array<ValueSpan, 3> at;
    if (!top_level_values<3>(body, {"model", "stream", "stream_options"}, at) || !at[0].found()) return std::nullopt;
    std::string_view streams = at[1].in(body);
    if (!stream && !(streams.empty() || streams == "false")) return std::nullopt;
    if (stream) {
        std::array<ValueSpan, 1> usage;
        if (streams != "true" || !top_level_values<1>(at[2].in(body), {"include_usage"}, usage) ||
            usage[0].in(at[2].in(body)) != "true")
            return std::nullopt;
    }
    std::string quoted = json_quoted(model);
    if (at[0].in(body) == quoted) return std::string();
    return splice(body, at[0], quoted);
}

void OpenAIProvider::send(const rapidjson::Document& doc, const std::string& path, switchyard::HttpBuilder& out) const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    doc.Accept(w);
    send_body(std::string_view(sb.GetString(), sb.GetSize()), path, out);
}

void OpenAIProvider::send_body(std::string_view body, const std::string& path, switchyard::HttpBuilder& out) const {
    out.method("POST");
    out.path(path);
    out.header("Content-Type", "application/json");
    if (!auth_header_.empty()) out.header("Authorization", auth_header_);
    if (!config_.organization.empty()) out.header("OpenAI-Organization", config_.organization);
    for (const auto& [name, value] : config_.headers) out.header(name, value);
    out.body(body);
}

// The upstream body as a JSON object; a non-2xx answer becomes the client's error (nullopt).
// The document's memory comes from `pool`, which the caller keeps for as long as it reads it.
static std::optional<rapidjson::Document> answer_or_error(const sy_upstream_response& resp,
                                                          rapidjson::MemoryPoolAllocator<>& pool, ResponseWriter& out) {
    std::string_view body = switchyard::view(resp.body);
    rapidjson::Document doc(&pool);  // read here and by the caller, never copied from
    bool json_ok = parse_json_in_place(doc, body) && doc.IsObject();
    if (resp.status < 200 || resp.status > 299) {
        auto [status, type] = map_upstream_error(resp.status);
        if (json_ok && resp.status == 400 && is_content_filter_error(doc)) type = "content_filter";
        std::string msg = json_ok ? upstream_error_message(doc) : std::string();
        out.error(status, type, "upstream answered HTTP " + std::to_string(resp.status) + (msg.empty() ? "" : ": " + msg));
        return std::nullopt;
    }
    if (!json_ok) throw Error("upstream answered 200 with a body that is not a JSON object", SY_ERR_UPSTREAM);
    return doc;
}

void OpenAIProvider::build_request(const switchyard::ProviderRequest& req, switchyard::HttpBuilder& out) {
    if (auto body = spliced_body(req.request().body_json(), req.upstream_model(), req.stream())) {
        if (req.stream()) out.header("Accept", "text/event-stream");
        send_body(body->empty() ? req.request().body_json() : *body, config_.chat_path, out);
        out.framing(SY_FRAMING_SSE);
        return;
    }
    rapidjson::Document doc = with_model(req.request().body_json(), req.upstream_model());
    auto& alloc = doc.GetAllocator();
    if (!req.stream()) {
        // The host asks for a whole answer (a cascade checks it before the client sees it).
        if (auto st = doc.FindMember("stream"); st != doc.MemberEnd() && st->value.IsTrue()) {
            st->value.SetBool(false);
            doc.RemoveMember("stream_options");
        }
    } else {
        // Always ask for usage so that accounting is honest; the stream hides it from a client
        // that did not ask.
        auto so = doc.FindMember("stream_options");
        if (so == doc.MemberEnd() || !so->value.IsObject()) {
            rapidjson::Value opts(rapidjson::kObjectType);
            if (so != doc.MemberEnd()) doc.RemoveMember(so);
            doc.AddMember("stream_options", opts, alloc);
            so = doc.FindMember("stream_options");
        }
        if (auto iu = so->value.FindMember("include_usage"); iu != so->value.MemberEnd()) iu->value.SetBool(true);
        else so->value.AddMember("include_usage", true, alloc);
        out.header("Accept", "text/event-stream");
    }
    send(doc, config_.chat_path, out);
    out.framing(SY_FRAMING_SSE);
}

void OpenAIProvider::parse_response(const switchyard::ProviderRequest&, const sy_upstream_response& resp,
                                    ResponseWriter& out) {
    FramePool pool;
    std::optional<rapidjson::Document> doc = answer_or_error(resp, pool.allocator, out);
    if (!doc) return;
    if (auto u = doc->FindMember("usage"); u != doc->MemberEnd()) report_usage(u->value, out);
    report_finish(*doc, out);
    out.body(switchyard::view(resp.body));
}

void OpenAIProvider::build_embeddings(const switchyard::EmbeddingsRequest& req, switchyard::HttpBuilder& out) {
    send(with_model(req.body_json(), req.upstream_model()), config_.embeddings_path, out);
}

void OpenAIProvider::parse_embeddings(const switchyard::EmbeddingsRequest&, const sy_upstream_response& resp,
                                      ResponseWriter& out) {
    FramePool pool;
    std::optional<rapidjson::Document> doc = answer_or_error(resp, pool.allocator, out);
    if (!doc) return;
    if (!doc->HasMember("data")) throw Error("upstream answered 200 without an embeddings list", SY_ERR_UPSTREAM);
    if (auto u = doc->FindMember("usage"); u != doc->MemberEnd()) report_usage(u->value, out);
    out.body(switchyard::view(resp.body));
}

std::unique_ptr<switchyard::ProviderStream> OpenAIProvider::open_stream(const switchyard::ProviderRequest& req) {
    return std::make_unique<OpenAIStream>(req.include_usage());
}

}  // namespace sy_plugins::openai
