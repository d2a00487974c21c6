// The host side of the plugin ABI: the callback table given to every plugin and the concrete
// builder and writer objects behind the opaque handles in plugin.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <switchyard/plugin.h>

// Upstream request assembled by a provider's build_request.
struct sy_http_builder {
    std::string method = "POST";
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    sy_stream_framing framing = SY_FRAMING_SSE;

    void reset();
};

// Output of a provider for one response: a JSON body (non-streaming) or SSE frames (streaming),
// plus usage, finish reason and an error. The buffers are reused across stream events.
struct sy_response_writer {
    std::string body;          // non-streaming OpenAI JSON body
    std::string sse;           // pending "data: ...\n\n" frames, drained by the relay
    int chunks = 0;            // chunks emitted since the stream started
    sy_usage usage{sizeof(sy_usage), -1, -1, -1, -1};
    bool has_usage = false;
    std::string finish_reason;
    int error_status = 0;      // != 0 when the provider reported an error
    std::string error_type;
    std::string error_message;
};

namespace sy::embed {
class EmbedderSet;
}

namespace sy::plugin {

// A borrowed sy_str over s (valid while s is).
inline sy_str to_sy_str(std::string_view s) { return {s.data(), s.size()}; }

// The callback table (static storage). host_ctx is null: only the built-in embedder is known.
const sy_host_api* host_api();
// The same table with the embedders of one config generation (they must outlive its plugins).
sy_host_api host_api_for(const embed::EmbedderSet* embedders);

// Writes a NUL-terminated message into an sy_error buffer.
void set_error(sy_error* err, const std::string& message);

// While alive, sy_host_api.read_file resolves relative paths against `dir` on this thread (set
// around plugin create calls; outside one, read_file refuses).
class ConfigDirScope {
public:
    explicit ConfigDirScope(std::string dir);
    ~ConfigDirScope();
    ConfigDirScope(const ConfigDirScope&) = delete;
    ConfigDirScope& operator=(const ConfigDirScope&) = delete;

private:
    std::string previous_;
    bool had_previous_;
};

// Where sy_host_api.state_* go: the gateway's state store, set once it exists. Without one
// (config check, eval) hashes read as empty and increments fail.
class StateBackend {
public:
    virtual ~StateBackend() = default;
    virtual bool hincrby(const std::string& key, std::string_view field, int64_t delta, std::string& error) = 0;
    virtual bool hgetall(const std::string& key, std::vector<std::pair<std::string, std::string>>& out,
                         std::string& error) = 0;
};
// The backend stays owned by the caller and must outlive every plugin call (the gateway's
// lifetime); nullptr detaches. Keys arrive prefixed with "<prefix>:plugin:".
void set_state_backend(StateBackend* backend, std::string key_prefix);

// The directory of a config file path ("." when it has none).
std::string config_dir_of(const std::string& config_path);

// A caller-owned error buffer for hook calls.
struct ErrorBuffer {
    char text[512] = {0};
    sy_error err{text, sizeof text};
    // The message with registered secrets replaced (a plugin may quote an upstream's text).
    std::string str() const;
};

}  // namespace sy::plugin
