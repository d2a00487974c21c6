// Writing OpenAI chat.completion answers, chat.completion.chunk events and usage objects, shared
// by the providers that translate another format (anthropic, gemini, ollama) and the mock.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include <switchyard/sdk.hpp>

namespace sy_plugins {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// "usage": {prompt_tokens, completion_tokens, total_tokens[, prompt_tokens_details.cached_tokens]}
// (unknown counts, -1, are written as 0; cached details only when known).
inline void write_usage(JsonWriter& w, int64_t prompt, int64_t completion, int64_t cached = -1) {
    prompt = std::max<int64_t>(0, prompt);
    completion = std::max<int64_t>(0, completion);
    w.Key("usage");
    w.StartObject();
    w.Key("prompt_tokens");
    w.Int64(prompt);
    w.Key("completion_tokens");
    w.Int64(completion);
    w.Key("total_tokens");
    w.Int64(prompt + completion);
    if (cached >= 0) {
        w.Key("prompt_tokens_details");
        w.StartObject();
        w.Key("cached_tokens");
        w.Int64(cached);
        w.EndObject();
    }
    w.EndObject();
}

// Opens a chat.completion with one assistant choice: {"id", "object", "created", "model",
// "choices": [{"index": 0, "message": {"role": "assistant", and leaves the writer inside the
// message, for the caller to write "content" and tool calls, then close message, choice,
// choices (with finish_reason and usage between) and the object.
inline void begin_completion(JsonWriter& w, std::string_view id, int64_t created, std::string_view model) {
    w.StartObject();
    w.Key("id");
    w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
    w.Key("object");
    w.String("chat.completion");
    w.Key("created");
    w.Int64(created);
    w.Key("model");
    w.String(model.data(), static_cast<rapidjson::SizeType>(model.size()));
    w.Key("choices");
    w.StartArray();
    w.StartObject();
    w.Key("index");
    w.Int(0);
    w.Key("message");
    w.StartObject();
    w.Key("role");
    w.String("assistant");
}

class ChunkWriter {
public:
    std::string id, model;
    int64_t created = std::time(nullptr);

    // One chunk whose first choice's delta `fill` writes (fields only), with a finish reason.
    template <typename Fill>
    void delta(switchyard::ResponseWriter& out, Fill fill, const char* finish = nullptr) const {
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        head(w);
        w.Key("choices");
        w.StartArray();
        w.StartObject();
        w.Key("index");
        w.Int(0);
        w.Key("delta");
        w.StartObject();
        fill(w);
        w.EndObject();
        w.Key("finish_reason");
        if (finish) w.String(finish);
        else w.Null();
        w.EndObject();
        w.EndArray();
        w.EndObject();
        out.chunk(std::string_view(sb.GetString(), sb.GetSize()));
    }

    // The usage chunk (empty choices), as OpenAI sends it with stream_options.include_usage.
    void usage(switchyard::ResponseWriter& out, int64_t prompt, int64_t completion, int64_t cached = -1) const {
        rapidjson::StringBuffer sb;
        JsonWriter w(sb);
        head(w);
        w.Key("choices");
        w.StartArray();
        w.EndArray();
        write_usage(w, prompt, completion, cached);
        w.EndObject();
        out.chunk(std::string_view(sb.GetString(), sb.GetSize()));
    }

private:
    void head(JsonWriter& w) const {
        w.StartObject();
        w.Key("id");
        w.String(id.c_str());
        w.Key("object");
        w.String("chat.completion.chunk");
        w.Key("created");
        w.Int64(created);
        w.Key("model");
        w.String(model.c_str());
    }
};

}  // namespace sy_plugins
