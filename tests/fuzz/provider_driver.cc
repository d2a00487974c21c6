#include "provider_driver.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include <rapidjson/document.h>

#include <switchyard/chat_request.hpp>

#include "fuzz_input.hpp"
#include "plugin/host_api.hpp"
#include "plugin/instances.hpp"
#include "plugin/plugin_loader.hpp"
#include "upstream/event_parser.hpp"

namespace sy::fuzz {
namespace {

struct Provider {
    std::unique_ptr<plugin::LoadedPlugin> plugin;
    const sy_provider_vtable* vt = nullptr;
    void* instance = nullptr;
    sy_stream_framing framing = SY_FRAMING_SSE;
};

Provider& provider() {
    static Provider p;
    return p;
}

constexpr int kStatuses[16] = {200, 200, 201, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 529, 0, 999};

constexpr std::string_view kSampleBody =
    R"({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"weather in Paris?"}],)"
    R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})";

[[noreturn]] void finding(const char* what, std::string_view detail) {
    std::fprintf(stderr, "provider fuzz: %s: %.*s\n", what, static_cast<int>(std::min<size_t>(detail.size(), 400)),
                 detail.data());
    std::abort();
}

bool is_json(std::string_view text, bool object_only) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    return !doc.HasParseError() && (!object_only || doc.IsObject());
}

// Reads the frames as an SSE client does (every line a `data:` field, events separated by a blank
// line, CR being a line break too): each event must be one JSON value.
void check_frames(std::string_view sse) {
    while (!sse.empty()) {
        size_t end = sse.find("\n\n");
        if (end == std::string_view::npos) finding("unterminated SSE frame", sse);
        std::string_view event = sse.substr(0, end);
        sse.remove_prefix(end + 2);
        if (event.find('\r') != std::string_view::npos) finding("CR inside an SSE frame", event);
        std::string data;
        while (!event.empty()) {
            size_t eol = event.find('\n');
            std::string_view line = event.substr(0, eol);
            event.remove_prefix(eol == std::string_view::npos ? event.size() : eol + 1);
            if (!line.starts_with("data:")) finding("SSE line that is not a data field", line);
            line.remove_prefix(5);
            if (line.starts_with(' ')) line.remove_prefix(1);
            if (!data.empty()) data.push_back('\n');
            data.append(line);
        }
        if (!is_json(data, false)) finding("SSE frame that is not JSON", data);
    }
}

sy_provider_request provider_request(const sy_request_view& view, uint8_t mode, bool stream) {
    sy_provider_request p{};
    p.struct_size = sizeof p;
    p.request = &view;
    p.upstream_model = plugin::to_sy_str("upstream-model");
    p.stream = stream ? 1 : 0;
    p.include_usage = (mode & 8) ? 1 : 0;
    return p;
}

void parse_body(const Provider& p, const sy_provider_request& preq, int status, std::string_view body,
                bool embeddings) {
    sy_upstream_response resp{sizeof resp, status, plugin::to_sy_str("application/json"), plugin::to_sy_str(body),
                              plugin::to_sy_str("")};
    sy_response_writer w;
    plugin::ErrorBuffer eb;
    sy_status st;
    if (embeddings) {
        if (!p.vt->parse_embeddings) return;
        std::string request = R"({"model":"m","input":"hello"})";
        sy_embeddings_request er{sizeof er, plugin::to_sy_str(request), plugin::to_sy_str("upstream-model"), 2,
                                 plugin::to_sy_str("req-fuzz")};
        st = p.vt->parse_embeddings(p.instance, &er, &resp, &w, &eb.err);
    } else {
        st = p.vt->parse_response(p.instance, &preq, &resp, &w, &eb.err);
    }
    if (st == SY_OK && !w.error_status && !is_json(w.body, true))
        finding("accepted answer that is not a JSON object", w.body);
}

void relay_stream(const Provider& p, const sy_provider_request& preq, std::string_view bytes, size_t read_size) {
    void* state = nullptr;
    plugin::ErrorBuffer eb;
    if (p.vt->stream_open(p.instance, &preq, &state, &eb.err) != SY_OK) return;
    upstream::EventParser parser(p.framing);
    sy_response_writer w;
    bool stop = false;
    std::string_view name, data;
    auto handle = [&] {
        sy_stream_event ev{sizeof ev, plugin::to_sy_str(name), plugin::to_sy_str(data)};
        sy_status st = p.vt->stream_event(p.instance, state, &ev, &w, &eb.err);
        stop = st != SY_OK || w.error_status != 0;
    };
    for (size_t at = 0; !stop && at <= bytes.size(); at += read_size) {
        bool last = at + read_size >= bytes.size();
        parser.feed(bytes.substr(at, read_size));
        while (!stop && parser.next(name, data)) handle();
        if (!stop && last && parser.finish(name, data)) handle();
        check_frames(w.sse);
        w.sse.clear();  // the relay sends and drains the frames after every read
        if (last) break;
    }
    p.vt->stream_close(p.instance, state);
}

void build_request(const Provider& p, std::string_view payload, uint8_t mode) {
    ChatRequest req;
    if (parse_chat_request(std::string(payload), req)) return;  // the gateway answers 400 itself
    std::string request_id = "req-fuzz";
    sy_request_view view = plugin::make_request_view(req, request_id);
    sy_provider_request preq = provider_request(view, mode, req.stream);
    sy_http_builder b;
    plugin::ErrorBuffer eb;
    if (p.vt->build_request(p.instance, &preq, &b, &eb.err) == SY_OK && !is_json(b.body, true))
        finding("translated request that is not a JSON object", b.body);
}

}  // namespace

void init_provider(const char* name, std::string_view config_json) {
    Provider& p = provider();
    plugin::LoadOutcome loaded = plugin::load_plugin(std::string(SY_PLUGIN_DIR "/") + name + ".so");
    if (!loaded.plugin) finding("plugin refused", loaded.error);
    p.plugin = std::move(loaded.plugin);
    p.vt = p.plugin->provider();
    if (!p.vt) finding("not a provider", name);
    plugin::ErrorBuffer eb;
    if (p.vt->create(plugin::host_api(), config_json.data(), config_json.size(), &p.instance, &eb.err) != SY_OK)
        finding("provider config refused", eb.text);
    // The framing the provider asks for, as the transport learns it from build_request.
    ChatRequest req;
    parse_chat_request(std::string(kSampleBody), req);
    std::string request_id = "req-fuzz";
    sy_request_view view = plugin::make_request_view(req, request_id);
    sy_provider_request preq = provider_request(view, 4, true);
    sy_http_builder b;
    if (p.vt->build_request(p.instance, &preq, &b, &eb.err) != SY_OK) finding("sample request refused", eb.text);
    p.framing = b.framing;
}

int run_provider(const uint8_t* data, size_t size) {
    const Provider& p = provider();
    Input in(data, size);
    uint8_t mode = in.byte();
    uint8_t parameter = in.byte();
    std::string_view payload = in.rest();
    if ((mode & 3) == 2) {
        build_request(p, payload, mode);
        return 0;
    }
    static ChatRequest sample = [] {
        ChatRequest r;
        parse_chat_request(std::string(kSampleBody), r);
        return r;
    }();
    std::string request_id = "req-fuzz";
    sy_request_view view = plugin::make_request_view(sample, request_id);
    bool stream = (mode & 3) == 1 || (mode & 4) != 0;  // the relay only runs for streams
    view.stream = stream ? 1 : 0;
    sy_provider_request preq = provider_request(view, mode, stream);
    switch (mode & 3) {
        case 0:
            parse_body(p, preq, kStatuses[parameter % 16], payload, false);
            break;
        case 1:
            relay_stream(p, preq, payload, parameter == 0 ? payload.size() + 1 : parameter);
            break;
        default:
            parse_body(p, preq, kStatuses[parameter % 16], payload, true);
            break;
    }
    return 0;
}

}  // namespace sy::fuzz
