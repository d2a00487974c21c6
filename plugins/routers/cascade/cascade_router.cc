#include "cascade_router.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "common/json_depth.hpp"
#include "common/plugin_config.hpp"
#include "common/quality_ranking.hpp"
#include "common/ascii.hpp"

namespace sy_plugins::cascade {
namespace {

using Check = switchyard::Router::Check;

Check verdict(sy_verdict v, std::string why) { return Check{v, {}, std::move(why)}; }

// True when the client asked for JSON (response_format json_object or json_schema).
bool wants_json(std::string_view body) {
    rapidjson::Document d;
    if (!parse_json(d, body) || !d.IsObject()) return false;
    auto rf = d.FindMember("response_format");
    if (rf == d.MemberEnd() || !rf->value.IsObject()) return false;
    auto type = rf->value.FindMember("type");
    return type != rf->value.MemberEnd() && type->value.IsString() &&
           (std::string_view(type->value.GetString()) == "json_object" ||
            std::string_view(type->value.GetString()) == "json_schema");
}

// The first choice's text, finish reason and mean token logprob (NaN without logprobs).
struct Answer {
    std::string text;
    std::string finish_reason;
    double mean_logprob = std::nan("");
    bool ok = false;
};

Answer read_answer(std::string_view json) {
    Answer a;
    rapidjson::Document d;
    if (!parse_json(d, json) || !d.IsObject() || !d.HasMember("choices") || !d["choices"].IsArray() || d["choices"].Empty())
        return a;
    const auto& c = d["choices"][0];
    if (!c.IsObject()) return a;
    if (c.HasMember("message") && c["message"].IsObject() && c["message"].HasMember("content") &&
        c["message"]["content"].IsString())
        a.text = c["message"]["content"].GetString();
    if (c.HasMember("finish_reason") && c["finish_reason"].IsString()) a.finish_reason = c["finish_reason"].GetString();
    if (c.HasMember("logprobs") && c["logprobs"].IsObject() && c["logprobs"].HasMember("content") &&
        c["logprobs"]["content"].IsArray() && !c["logprobs"]["content"].Empty()) {
        double sum = 0;
        size_t n = 0;
        for (const auto& t : c["logprobs"]["content"].GetArray())
            if (t.IsObject() && t.HasMember("logprob") && t["logprob"].IsNumber()) sum += t["logprob"].GetDouble(), ++n;
        if (n) a.mean_logprob = sum / static_cast<double>(n);
    }
    a.ok = true;
    return a;
}

std::string json_string(std::string_view s) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace

CascadeRouter::CascadeRouter(const switchyard::Host&, std::string_view config_json) {
    PluginConfig cfg("cascade", config_json,
                     {"min_chars", "max_chars", "refusals", "require_stop", "min_logprob", "judge"});
    checks_.min_chars = static_cast<size_t>(cfg.number("min_chars", 1, 0, 1e9));
    checks_.max_chars = static_cast<size_t>(cfg.number("max_chars", 0, 0, 1e9));
    if (const rapidjson::Value* r = cfg.find("refusals")) {
        if (!r->IsArray()) cfg.fail("refusals", "must be a list of phrases");
        for (const auto& p : r->GetArray()) {
            if (!p.IsString() || p.GetStringLength() == 0) cfg.fail("refusals", "every phrase must be a non-empty string");
            checks_.refusals.push_back(ascii_lower(sv(p)));
        }
    } else {
        checks_.refusals = {"i can't help with", "i cannot help with", "i'm not able to", "i am not able to",
                            "i don't know", "as an ai language model"};
    }
    if (const rapidjson::Value* s = cfg.find("require_stop")) {
        if (!s->IsBool()) cfg.fail("require_stop", "must be true or false");
        checks_.require_stop = s->GetBool();
    }
    if (cfg.find("min_logprob")) checks_.min_logprob = cfg.number("min_logprob", 0, -1e6, 0);
    if (const rapidjson::Value* j = cfg.find("judge")) {
        if (!j->IsObject() || !j->HasMember("model") || !(*j)["model"].IsString())
            cfg.fail("judge", "must be a map with model (a configured model) and optional min_score (0..10)");
        checks_.judge_model = (*j)["model"].GetString();
        if (j->HasMember("min_score")) {
            if (!(*j)["min_score"].IsNumber() || (*j)["min_score"].GetDouble() < 0 || (*j)["min_score"].GetDouble() > 10)
                cfg.fail("judge.min_score", "must be a number from 0 to 10");
            checks_.judge_min_score = (*j)["min_score"].GetDouble();
        }
    }
}

void CascadeRouter::route(const switchyard::RequestView&, const std::vector<switchyard::Candidate>& candidates,
                          const sy_route_params&, switchyard::Ranking& out) {
    // Cheapest first; among equal prices, the configured order from the weakest end.
    std::vector<size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (candidates[a].healthy() != candidates[b].healthy()) return candidates[a].healthy();
        double pa = price_of(candidates[a]), pb = price_of(candidates[b]);
        return pa != pb ? pa < pb : a > b;
    });
    for (size_t rank = 0; rank < order.size(); ++rank) out.add(order[rank], static_cast<double>(order.size() - rank));
    const auto& first = candidates[order.front()];
    out.reason("cascade cheapest first -> " + std::string(first.name()));
}

Check CascadeRouter::check(const switchyard::RequestView& request, std::string_view, std::string_view answer_json,
                           std::string_view judge_answer_json) {
    Answer a = read_answer(answer_json);
    if (!a.ok) return verdict(SY_VERDICT_ESCALATE, "no answer");
    if (a.text.size() < checks_.min_chars) return verdict(SY_VERDICT_ESCALATE, "too short");
    if (checks_.max_chars && a.text.size() > checks_.max_chars) return verdict(SY_VERDICT_ESCALATE, "too long");
    if (checks_.require_stop && a.finish_reason == "length") return verdict(SY_VERDICT_ESCALATE, "cut off");
    std::string text = ascii_lower(a.text);
    for (const auto& phrase : checks_.refusals)
        if (text.find(phrase) != std::string::npos) return verdict(SY_VERDICT_ESCALATE, "refusal");
    if (wants_json(request.body_json())) {
        rapidjson::Document d;
        if (!parse_json(d, a.text)) return verdict(SY_VERDICT_ESCALATE, "not JSON");
    }
    if (checks_.min_logprob && !std::isnan(a.mean_logprob) && a.mean_logprob < *checks_.min_logprob) {
        char why[64];
        std::snprintf(why, sizeof why, "logprob %.2f", a.mean_logprob);
        return verdict(SY_VERDICT_ESCALATE, why);
    }
    if (!checks_.judge_model.empty()) return judge(request, a.text, judge_answer_json);
    return verdict(SY_VERDICT_ACCEPT, "checks passed");
}

Check CascadeRouter::judge(const switchyard::RequestView& request, const std::string& answer,
                           std::string_view judge_answer) const {
    if (judge_answer.empty()) {
        std::string q = std::string(request.last_user_text());
        std::string prompt = "Grade how well the answer serves the question, from 0 (useless or wrong) to 10 "
                             "(complete and correct). Reply with the number only.\n\nQuestion:\n" +
                             q + "\n\nAnswer:\n" + answer;
        Check c{SY_VERDICT_ASK_JUDGE, {}, "asking the judge"};
        c.judge_request = "{\"model\":" + json_string(checks_.judge_model) +
                          ",\"temperature\":0,\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":" +
                          json_string(prompt) + "}]}";
        return c;
    }
    Answer j = read_answer(judge_answer);
    const char* p = j.text.c_str();
    while (*p && !std::isdigit(static_cast<unsigned char>(*p))) ++p;
    if (!*p) return verdict(SY_VERDICT_ESCALATE, "judge gave no grade");
    double grade = std::strtod(p, nullptr);
    char why[64];
    std::snprintf(why, sizeof why, "judge %.0f/10", grade);
    return verdict(grade >= checks_.judge_min_score ? SY_VERDICT_ACCEPT : SY_VERDICT_ESCALATE, why);
}

}  // namespace sy_plugins::cascade
