#include "server/cached_answer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>

#include "server/http_util.hpp"

namespace sy::server {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// One chat.completion.chunk with `delta` (written by the caller) and a finish reason.
template <typename WriteDelta>
std::string chunk(const rapidjson::Value& c, WriteDelta delta, const char* finish) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("id");
    c["id"].Accept(w);
    w.Key("object"), w.String("chat.completion.chunk");
    w.Key("created");
    c["created"].Accept(w);
    w.Key("model");
    c["model"].Accept(w);
    w.Key("choices"), w.StartArray(), w.StartObject();
    w.Key("index"), w.Int(0);
    w.Key("delta"), w.StartObject();
    delta(w);
    w.EndObject();
    w.Key("finish_reason");
    if (finish) w.String(finish);
    else w.Null();
    w.EndObject(), w.EndArray();
    w.EndObject();
    return "data: " + std::string(sb.GetString(), sb.GetSize()) + "\n\n";
}

bool usable(const rapidjson::Document& c) {
    return !c.HasParseError() && c.IsObject() && c.HasMember("id") && c.HasMember("created") && c.HasMember("model") &&
           c.HasMember("choices") && c["choices"].IsArray() && !c["choices"].Empty() && c["choices"][0].IsObject() &&
           c["choices"][0].HasMember("message") && c["choices"][0]["message"].IsObject();
}

// The stored completion as a stream: role, content, tool calls, finish, usage, [DONE].
void replay(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, const ChatRequest& chat,
            const rapidjson::Document& c) {
    const rapidjson::Value& choice = c["choices"][0];
    const rapidjson::Value& msg = choice["message"];
    std::string frames = chunk(c, [](Writer& w) { w.Key("role"), w.String("assistant"); }, nullptr);
    if (msg.HasMember("content") && msg["content"].IsString() && msg["content"].GetStringLength() > 0)
        frames += chunk(c, [&](Writer& w) { w.Key("content"), msg["content"].Accept(w); }, nullptr);
    if (msg.HasMember("tool_calls") && msg["tool_calls"].IsArray()) {
        frames += chunk(c, [&](Writer& w) {
            w.Key("tool_calls"), w.StartArray();
            int index = 0;
            for (const auto& call : msg["tool_calls"].GetArray()) {
                w.StartObject();
                w.Key("index"), w.Int(index++);
                for (const auto& m : call.GetObject()) {
                    w.Key(m.name.GetString(), m.name.GetStringLength());
                    m.value.Accept(w);
                }
                w.EndObject();
            }
            w.EndArray();
        }, nullptr);
    }
    std::string finish = choice.HasMember("finish_reason") && choice["finish_reason"].IsString()
                             ? choice["finish_reason"].GetString()
                             : "stop";
    frames += chunk(c, [](Writer&) {}, finish.c_str());
    if (chat.include_usage && c.HasMember("usage")) {
        rapidjson::StringBuffer sb;
        Writer w(sb);
        w.StartObject();
        w.Key("id"), c["id"].Accept(w);
        w.Key("object"), w.String("chat.completion.chunk");
        w.Key("created"), c["created"].Accept(w);
        w.Key("model"), c["model"].Accept(w);
        w.Key("choices"), w.StartArray(), w.EndArray();
        w.Key("usage"), c["usage"].Accept(w);
        w.EndObject();
        frames.append("data: ").append(sb.GetString(), sb.GetSize()).append("\n\n");
    }
    SseSink sink(req, resp);
    sink.start();
    sink.done(frames);
}

}  // namespace

bool send_cached(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, const ChatRequest& chat,
                 const std::string& completion) {
    rapidjson::Document c;
    c.Parse(completion.data(), completion.size());
    if (!usable(c)) return false;
    if (chat.stream) replay(req, resp, chat, c);
    else send_answer(req, resp, completion);
    return true;
}

std::optional<std::string> completion_to_cache(const ChatRequest& chat, const CallOutcome& out,
                                               const std::string& captured_body, const PartialAnswer& streamed,
                                               const std::string& request_id, const std::string& model) {
    if (out.status != 200 || out.stream_error || out.client_gone) return std::nullopt;
    if (!chat.stream) return captured_body.empty() ? std::nullopt : std::optional<std::string>(captured_body);
    if (!streamed.continuable || out.finish_reason.empty()) return std::nullopt;  // tool calls, or no clean end
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    w.Key("id"), w.String(("chatcmpl-" + request_id).c_str());
    w.Key("object"), w.String("chat.completion");
    w.Key("created"), w.Int64(static_cast<int64_t>(std::time(nullptr)));
    w.Key("model"), w.String(model.c_str());
    w.Key("choices"), w.StartArray(), w.StartObject();
    w.Key("index"), w.Int(0);
    w.Key("message"), w.StartObject();
    w.Key("role"), w.String("assistant");
    w.Key("content"), w.String(streamed.text.data(), static_cast<rapidjson::SizeType>(streamed.text.size()));
    w.EndObject();
    w.Key("finish_reason"), w.String(out.finish_reason.c_str());
    w.EndObject(), w.EndArray();
    if (out.usage.prompt_tokens >= 0 && out.usage.completion_tokens >= 0) {
        w.Key("usage"), w.StartObject();
        w.Key("prompt_tokens"), w.Int64(out.usage.prompt_tokens);
        w.Key("completion_tokens"), w.Int64(out.usage.completion_tokens);
        w.Key("total_tokens"), w.Int64(out.usage.prompt_tokens + out.usage.completion_tokens);
        w.EndObject();
    }
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace sy::server
