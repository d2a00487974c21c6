#include "mock_answer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <ctime>

#include "common/openai_chunks.hpp"
#include "common/plugin_config.hpp"

namespace sy_plugins::mock {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

uint64_t fnv1a(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) ++i;
        size_t start = i;
        while (i < text.size() && !(text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) ++i;
        if (i > start) out.emplace_back(text.substr(start, i - start));
    }
    return out;
}

// The first tool's function name in the request body, or empty.
std::string first_tool_name(std::string_view body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return {};
    auto tools = doc.FindMember("tools");
    if (tools == doc.MemberEnd() || !tools->value.IsArray() || tools->value.Empty()) return {};
    const auto& t = tools->value[0];
    if (!t.IsObject()) return {};
    auto fn = t.FindMember("function");
    if (fn == t.MemberEnd() || !fn->value.IsObject()) return {};
    auto name = fn->value.FindMember("name");
    return name != fn->value.MemberEnd() && name->value.IsString() ? std::string(sv(name->value)) : std::string();
}

void chunk_header(Writer& w, const Answer& a) {
    w.StartObject();
    w.Key("id");
    str(w, a.id);
    w.Key("object");
    w.String("chat.completion.chunk");
    w.Key("created");
    w.Int64(static_cast<int64_t>(std::time(nullptr)));
    w.Key("model");
    str(w, a.model);
}

void usage_object(Writer& w, const Answer& a) {
    w.Key("usage");
    w.StartObject();
    w.Key("prompt_tokens");
    w.Int64(a.prompt_tokens);
    w.Key("completion_tokens");
    w.Int64(a.completion_tokens);
    w.Key("total_tokens");
    w.Int64(a.prompt_tokens + a.completion_tokens);
    w.EndObject();
}

void tool_call(Writer& w, const Answer& a, bool with_header, std::string_view args) {
    w.StartObject();
    w.Key("index");
    w.Int(0);
    if (with_header) {
        w.Key("id");
        w.String("call_mock_1");
        w.Key("type");
        w.String("function");
    }
    w.Key("function");
    w.StartObject();
    if (with_header) {
        w.Key("name");
        str(w, a.tool_name);
    }
    w.Key("arguments");
    str(w, args);
    w.EndObject();
    w.EndObject();
}

std::string done(rapidjson::StringBuffer& sb) { return std::string(sb.GetString(), sb.GetSize()); }

template <typename Fn>
std::string chunk(const Answer& a, Fn&& delta, const char* finish = nullptr) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    chunk_header(w, a);
    w.Key("choices");
    w.StartArray();
    w.StartObject();
    w.Key("index");
    w.Int(0);
    w.Key("delta");
    w.StartObject();
    delta(w);
    w.EndObject();
    w.Key("finish_reason");
    if (finish) w.String(finish);
    else w.Null();
    w.EndObject();
    w.EndArray();
    w.EndObject();
    return done(sb);
}

}  // namespace

Answer make_answer(const Config& config, const switchyard::ProviderRequest& req) {
    static std::atomic<uint64_t> counter{0};
    const switchyard::RequestView& r = req.request();
    Answer a;
    std::string_view rid = r.request_id();
    a.id = "chatcmpl-mock-" + (rid.empty() ? std::to_string(counter.fetch_add(1)) : std::string(rid));
    a.model = config.model_label.empty() ? std::string(req.upstream_model()) : config.model_label;
    a.prompt_tokens = r.prompt_tokens();
    a.fail = config.error_rate > 0 && static_cast<double>(fnv1a(rid) % 10000) < config.error_rate * 10000;
    if (r.has_tools() && r.last_user_text().find("weather") != std::string_view::npos) {
        a.tool_name = first_tool_name(r.body_json());
    }
    if (!a.tool_name.empty()) {
        a.tool_arguments = R"({"city":"Paris"})";
        a.finish_reason = "tool_calls";
        a.completion_tokens = 8;
        return a;
    }
    std::vector<std::string> echo = split_words(r.last_user_text());
    a.words.push_back("[" + a.model + "]");
    if (config.answer_words > 0) {
        for (int64_t i = 0; i < config.answer_words; ++i)
            a.words.push_back(echo.empty() ? "word" + std::to_string(i + 1) : echo[static_cast<size_t>(i) % echo.size()]);
    } else {
        for (auto& w : echo) a.words.push_back(std::move(w));
    }
    a.finish_reason = "stop";
    if (r.max_tokens() >= 0 && static_cast<int64_t>(a.words.size()) > r.max_tokens()) {
        a.words.resize(static_cast<size_t>(r.max_tokens()));
        a.finish_reason = "length";
    }
    a.completion_tokens = static_cast<int64_t>(a.words.size());
    return a;
}

std::string completion_json(const Answer& a) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    sy_plugins::begin_completion(w, a.id, static_cast<int64_t>(std::time(nullptr)), a.model);
    w.Key("content");
    if (!a.tool_name.empty()) {
        w.Null();
        w.Key("tool_calls");
        w.StartArray();
        tool_call(w, a, true, a.tool_arguments);
        w.EndArray();
    } else {
        std::string text;
        for (size_t i = 0; i < a.words.size(); ++i) text += (i ? " " : "") + a.words[i];
        str(w, text);
    }
    w.EndObject();
    w.Key("finish_reason");
    str(w, a.finish_reason);
    w.EndObject();
    w.EndArray();
    usage_object(w, a);
    w.EndObject();
    return done(sb);
}

std::string role_chunk_json(const Answer& a) {
    return chunk(a, [](Writer& w) {
        w.Key("role");
        w.String("assistant");
        w.Key("content");
        w.String("");
    });
}

std::string content_chunk_json(const Answer& a, std::string_view text) {
    return chunk(a, [&](Writer& w) {
        w.Key("content");
        str(w, text);
    });
}

std::string tool_chunk_json(const Answer& a, bool first, std::string_view args_fragment) {
    return chunk(a, [&](Writer& w) {
        w.Key("tool_calls");
        w.StartArray();
        tool_call(w, a, first, args_fragment);
        w.EndArray();
    });
}

std::string finish_chunk_json(const Answer& a) {
    return chunk(a, [](Writer&) {}, a.finish_reason.c_str());
}

std::string usage_chunk_json(const Answer& a) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    chunk_header(w, a);
    w.Key("choices");
    w.StartArray();
    w.EndArray();
    usage_object(w, a);
    w.EndObject();
    return done(sb);
}

}  // namespace sy_plugins::mock
