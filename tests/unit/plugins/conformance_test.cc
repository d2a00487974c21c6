// The translation conformance corpus (tests/fixtures/translation/<provider>/<case>.json): each
// case gives a provider config, the client's OpenAI request, the upstream request the provider
// must build, an upstream answer (a body with a status, or stream events), and the exact
// OpenAI-shaped result (body or chunks, finish reason, usage, error). Run through the real
// plugin ABI. `created` and generated `id`s are not compared.
//
// SY_RECORD_FIXTURES=1 writes the actual results into the cases (to review with git diff).
#include <switchyard/testing.hpp>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

#include "plugin_path.hpp"

namespace {

using namespace switchyard::testing;
namespace fs = std::filesystem;
using Value = rapidjson::Value;

fs::path corpus_dir() {
    const char* s = std::getenv("SY_SOURCE_DIR");
    return fs::path(s ? s : SY_SOURCE_DIR_FALLBACK) / "tests/fixtures/translation";
}

std::string to_string(const Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

// Drops the values that change per run: "created", and ids the provider makes up.
void normalise(Value& v) {
    if (v.IsObject()) {
        if (v.HasMember("created")) v.EraseMember("created");  // keeps the order of the others
        if (v.HasMember("id") && v["id"].IsString() && std::string_view(v["id"].GetString()).rfind("chatcmpl-ollama-", 0) == 0)
            v["id"].SetString("chatcmpl-ollama-*");
        for (auto& m : v.GetObject()) normalise(m.value);
    } else if (v.IsArray()) {
        for (auto& x : v.GetArray()) normalise(x);
    }
}

// A JSON text as a normalised JSON value in doc's allocator (a non-JSON text as a string).
Value json_value(const std::string& text, rapidjson::Document::AllocatorType& a) {
    rapidjson::Document d(&a);
    d.Parse(text.data(), text.size());
    Value v;
    if (d.HasParseError()) v.SetString(text.c_str(), a);
    else v.CopyFrom(d, a);
    normalise(v);
    return v;
}

struct Case {
    fs::path path;
    std::string name;
};

std::vector<Case> cases() {
    std::vector<Case> out;
    if (!fs::exists(corpus_dir())) return out;
    for (const auto& provider : fs::directory_iterator(corpus_dir()))
        for (const auto& f : fs::directory_iterator(provider.path()))
            if (f.path().extension() == ".json")
                out.push_back({f.path(), provider.path().filename().string() + "_" + f.path().stem().string()});
    std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
    return out;
}

void check_case(const Case& kase) {
    SCOPED_TRACE(kase.path.string());
    std::ifstream in(kase.path);
    std::stringstream text;
    text << in.rdbuf();
    rapidjson::Document c;
    c.Parse(text.str().c_str());
    ASSERT_FALSE(c.HasParseError()) << kase.path;
    auto& a = c.GetAllocator();
    const std::string provider = kase.path.parent_path().filename().string();
    Plugin plugin(bundled_plugin(provider));
    ProviderUnderTest p(plugin, c.HasMember("config") ? to_string(c["config"]) : "{}");
    ASSERT_EQ(p.create_status(), SY_OK) << p.create_error();

    Request r;
    r.body = to_string(c["request"]);
    r.upstream_model = "upstream-model";
    r.stream = c["request"].HasMember("stream") && c["request"]["stream"].IsTrue();
    r.include_usage = c["request"].HasMember("stream_options") && c["request"]["stream_options"].HasMember("include_usage") &&
                      c["request"]["stream_options"]["include_usage"].IsTrue();

    Value actual(rapidjson::kObjectType);
    sy_http_builder b;
    std::string err;
    sy_status built = p.build(r, b, &err);
    if (built != SY_OK) {
        actual.AddMember("build_error", Value(err.c_str(), a), a);
    } else {
        Value up(rapidjson::kObjectType);
        up.AddMember("path", Value(b.path.c_str(), a), a);
        up.AddMember("body", json_value(b.body, a), a);
        actual.AddMember("upstream_request", up, a);
        sy_response_writer w;
        if (c.HasMember("upstream_events")) {
            std::vector<std::string> events;
            for (const auto& e : c["upstream_events"].GetArray()) events.push_back(e.IsString() ? e.GetString() : to_string(e));
            sy_status st = p.stream(r, events, w, &err);
            Value chunks(rapidjson::kArrayType);
            for (const auto& ch : w.chunks) chunks.PushBack(json_value(ch, a), a);
            actual.AddMember("chunks", chunks, a);
            actual.AddMember("stream_done", st == SY_DONE, a);
            if (st != SY_OK && st != SY_DONE) actual.AddMember("stream_error", Value(err.c_str(), a), a);
        } else {
            int status = c.HasMember("upstream_status") ? c["upstream_status"].GetInt() : 200;
            sy_status st = p.parse(r, status, to_string(c["upstream_body"]), w, &err);
            if (st != SY_OK) actual.AddMember("parse_error", Value(err.c_str(), a), a);
            if (!w.body.empty()) actual.AddMember("body", json_value(w.body, a), a);
        }
        if (!w.finish_reason.empty()) actual.AddMember("finish_reason", Value(w.finish_reason.c_str(), a), a);
        if (w.has_usage) {
            Value u(rapidjson::kArrayType);
            for (int64_t x : {w.usage.prompt_tokens, w.usage.completion_tokens, w.usage.cached_prompt_tokens, w.usage.cache_write_tokens})
                u.PushBack(x, a);
            actual.AddMember("usage", u, a);
        }
        if (w.error_status) {
            Value e(rapidjson::kObjectType);
            e.AddMember("status", w.error_status, a);
            e.AddMember("type", Value(w.error_type.c_str(), a), a);
            e.AddMember("message", Value(w.error_message.c_str(), a), a);
            actual.AddMember("error", e, a);
        }
    }

    if (std::getenv("SY_RECORD_FIXTURES")) {
        c.RemoveMember("expected");
        c.AddMember("expected", actual, a);
        rapidjson::StringBuffer sb;
        rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
        w.SetIndent(' ', 2);
        c.Accept(w);
        std::ofstream(kase.path) << sb.GetString() << "\n";
        return;
    }
    ASSERT_TRUE(c.HasMember("expected")) << kase.path << " has no expected result (record it)";
    EXPECT_EQ(to_string(actual), to_string(c["expected"])) << kase.path;
}

// One test over every case, so that a new case file needs no rebuild to be run.
TEST(ConformanceCorpus, EveryCaseTranslatesExactly) {
    std::vector<Case> all = cases();
    ASSERT_FALSE(all.empty()) << "no cases under " << corpus_dir();
    for (const Case& c : all) check_case(c);
}

TEST(ConformanceCorpus, CoversEveryRemoteProvider) {
    std::set<std::string> providers;
    for (const auto& c : cases()) providers.insert(c.path.parent_path().filename().string());
    for (const char* p : {"openai", "anthropic", "gemini", "ollama"}) EXPECT_TRUE(providers.count(p)) << p;
}

}  // namespace
