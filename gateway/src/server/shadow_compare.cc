#include "server/shadow_compare.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <random>
#include <vector>

#include <switchyard/embedder.hpp>

#include "server/admission.hpp"

namespace sy::server {
namespace {

constexpr size_t kMaxJudgeBody = 16 * 1024 * 1024;

constexpr const char* kJudgeSystem =
    "You are an impartial judge. You are shown a user's request and two answers to it, A and B. Decide which "
    "answer serves the user better (correct, complete, helpful, clear); length alone is no merit, and the order "
    "the answers are shown in must not matter. When neither is clearly better, say so: reply with exactly one of "
    "[[A]], [[B]] or [[TIE]] and nothing else.";

std::string trimmed(const std::string& s) {
    size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

double cosine(const std::string& x, const std::string& y, std::string& error) {
    static const embed::HashEmbedder embedder;
    std::vector<float> a(embedder.dim()), b(embedder.dim());
    if (!embedder.embed(x, a.data(), error) || !embedder.embed(y, b.data(), error)) return std::nan("");
    double dot = 0;
    for (size_t i = 0; i < a.size(); ++i) dot += static_cast<double>(a[i]) * b[i];
    return dot;  // both L2-normalised
}

Comparison built_in(const config::ShadowConfig& cfg, const std::string& routed, const std::string& baseline) {
    Comparison c;
    if (cfg.compare == "exact") {
        c.verdict = trimmed(routed) == trimmed(baseline) ? quality::Verdict::win : quality::Verdict::loss;
        return c;
    }
    double sim = cosine(routed, baseline, c.error);
    if (std::isnan(sim)) return c;
    c.verdict = sim >= cfg.min_similarity ? quality::Verdict::win : quality::Verdict::loss;
    return c;
}

bool coin() {
    thread_local std::mt19937 gen{std::random_device{}()};
    return std::bernoulli_distribution(0.5)(gen);
}

Comparison ask_judge(const routing::Runtime& rt, const config::ShadowConfig& cfg, const ChatRequest& request,
                     const std::string& request_id, const std::string& routed, const std::string& baseline) {
    Comparison c;
    const bool routed_is_a = !cfg.randomize_order || coin();  // fixed order: the routed answer is A
    ChatRequest judge;
    if (auto err = parse_chat_request(judge_request(cfg.judge_model, request, routed_is_a ? routed : baseline,
                                                    routed_is_a ? baseline : routed),
                                      judge)) {
        c.error = "the judge request is invalid: " + err->message;
        return c;
    }
    const routing::Model* m = rt.find_model(cfg.judge_model);
    const routing::Deployment* dep = m ? routing::Runtime::pick_deployment(*m) : nullptr;
    if (!dep) {
        c.error = "judge model '" + cfg.judge_model + "' has no deployment";
        return c;
    }
    Captured answer = capture_completion(judge, request_id, *dep, -1, kMaxJudgeBody);
    c.cost_nano = captured_cost(*m, *dep, judge, answer);
    if (answer.error) {
        c.error = "judge: " + answer.error->message;
        return c;
    }
    std::string text = completion_text(answer.body);
    std::optional<quality::Pick> pick = quality::parse_verdict(text);
    if (!pick) {
        c.error = "the judge named no verdict: '" + text.substr(0, 200) + "'";
        return c;
    }
    c.verdict = quality::verdict_for_routed(*pick, routed_is_a);
    return c;
}

}  // namespace

std::string judge_request(const std::string& judge_model, const ChatRequest& request, const std::string& a,
                          const std::string& b) {
    const std::string user = "[User request]\n" + request.last_user_text + "\n\n[Answer A]\n" + a + "\n\n[Answer B]\n" +
                             b + "\n\nWhich answer is better? Reply with [[A]], [[B]] or [[TIE]].";
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("model");
    w.String(judge_model.c_str());
    w.Key("temperature");
    w.Int(0);
    w.Key("messages");
    w.StartArray();
    for (const auto& [role, content] : {std::pair<const char*, std::string>{"system", kJudgeSystem}, {"user", user}}) {
        w.StartObject();
        w.Key("role");
        w.String(role);
        w.Key("content");
        w.String(content.data(), static_cast<rapidjson::SizeType>(content.size()));
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {sb.GetString(), sb.GetSize()};
}

std::string completion_text(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) return {};
    auto choices = d.FindMember("choices");
    if (choices == d.MemberEnd() || !choices->value.IsArray() || choices->value.Empty()) return {};
    const rapidjson::Value& first = choices->value[0];
    if (!first.IsObject() || !first.HasMember("message") || !first["message"].IsObject()) return {};
    const rapidjson::Value& msg = first["message"];
    auto content = msg.FindMember("content");
    if (content == msg.MemberEnd() || !content->value.IsString()) return {};
    return {content->value.GetString(), content->value.GetStringLength()};
}

int64_t captured_cost(const routing::Model& model, const routing::Deployment& dep, const ChatRequest& request,
                      const Captured& c) {
    if (!model.config->priced) return 0;
    Usage u = usage_of(request, outcome_of(c, 0));
    return cost_nano_usd(dep.config->prices, u.input, u.cached, u.output);
}

Comparison compare_answers(const routing::Runtime& rt, const config::ShadowConfig& cfg, const ChatRequest& request,
                           const std::string& request_id, const std::string& routed, const std::string& baseline) {
    if (!cfg.judge_model.empty()) return ask_judge(rt, cfg, request, request_id, routed, baseline);
    return built_in(cfg, routed, baseline);
}

}  // namespace sy::server
