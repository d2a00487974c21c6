#include "routing/policy_cases.hpp"

#include <cstdio>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sy::routing {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

// YAML node (a request written in a test case) to JSON text.
void yaml_to_json(const YAML::Node& n, Writer& w) {
    if (n.IsMap()) {
        w.StartObject();
        for (const auto& kv : n) {
            str(w, kv.first.as<std::string>());
            yaml_to_json(kv.second, w);
        }
        w.EndObject();
    } else if (n.IsSequence()) {
        w.StartArray();
        for (const auto& item : n) yaml_to_json(item, w);
        w.EndArray();
    } else if (n.IsNull()) {
        w.Null();
    } else {
        const std::string& s = n.Scalar();
        bool quoted = n.Tag() == "!";
        if (!quoted && (s == "true" || s == "false")) return (void)w.Bool(s == "true");
        char* end = nullptr;
        long long i = std::strtoll(s.c_str(), &end, 10);
        if (!quoted && !s.empty() && *end == '\0') return (void)w.Int64(i);
        double d = std::strtod(s.c_str(), &end);
        if (!quoted && !s.empty() && *end == '\0') return (void)w.Double(d);
        str(w, s);
    }
}


struct CaseInput {
    std::vector<std::pair<std::string, std::string>> headers;
    config::ApiKeyConfig key;
    bool has_key = false;
    double spent = 0, limit = 0;
    int64_t unix_time = 0;
};

CaseInput read_context(const YAML::Node& c) {
    CaseInput in;
    in.unix_time = c["time"] ? c["time"].as<int64_t>() : 1795341600;  // 2026-11-22 (a Sunday) 10:00 UTC
    if (const YAML::Node h = c["headers"])
        for (const auto& kv : h) in.headers.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    if (const YAML::Node k = c["key"]) {
        in.has_key = true;
        in.key.id = k["id"] ? k["id"].as<std::string>() : "test-key";
        in.key.tier = k["tier"] ? k["tier"].as<std::string>() : "";
        in.key.team = k["team"] ? k["team"].as<std::string>() : "";
    }
    if (const YAML::Node b = c["budget"]) {
        in.spent = b["spent_usd"] ? b["spent_usd"].as<double>() : 0;
        in.limit = b["limit_usd"] ? b["limit_usd"].as<double>() : 0;
    }
    return in;
}

struct Result {
    std::optional<ApiError> error;
    RouteDecision decision;
    policy::Outcome outcome;
};

Result run(const Runtime& rt, const std::string& body, const CaseInput& in, std::string& parse_error) {
    Result r;
    ChatRequest req;
    if (auto err = parse_chat_request(body, req, true)) {
        parse_error = err->message;
        return r;
    }
    RouteContext ctx{&in.headers, in.has_key ? &in.key : nullptr, in.unix_time, in.spent, in.limit};
    r.error = rt.route(req, "policy-test", ctx, r.decision);
    return r;
}

std::string result_json(const Result& r) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    if (r.error) {
        w.Key("error");
        w.StartObject();
        w.Key("status");
        w.Int(r.error->status);
        w.Key("code");
        str(w, r.error->code);
        w.Key("message");
        str(w, r.error->message);
        w.EndObject();
    } else {
        w.Key("model");
        str(w, r.decision.model->config->name);
        w.Key("provider");
        str(w, r.decision.deployment->provider->config().name);
        w.Key("route");
        str(w, r.decision.reason);
        w.Key("labels");
        w.StartObject();
        for (const auto& [k, v] : r.decision.labels) {
            str(w, k);
            str(w, v);
        }
        w.EndObject();
        w.Key("fallbacks");
        w.StartArray();
        for (const auto& f : r.decision.fallbacks) str(w, f);
        w.EndArray();
    }
    w.EndObject();
    return std::string(sb.GetString(), sb.GetSize());
}

// The policy named in a route such as "policy:token_count -> ..." (empty when none decided).
std::string policy_of(const Result& r) {
    if (r.error) return {};
    const std::string& route = r.decision.reason;
    if (!route.starts_with("policy:")) return {};
    size_t end = route.find(' ');
    return route.substr(7, end == std::string::npos ? std::string::npos : end - 7);
}

// Compares a result with `expect`; returns the mismatches.
std::string check(const Result& r, const YAML::Node& expect) {
    std::string out;
    auto mismatch = [&out](const std::string& what, const std::string& want, const std::string& got) {
        out += "  " + what + ": expected '" + want + "', got '" + got + "'\n";
    };
    if (const YAML::Node deny = expect["deny"]) {
        if (!r.error) return "  expected a denial, got model '" + r.decision.model->config->name + "'\n";
        if (deny.as<std::string>() != "true" && r.error->message.find(deny.as<std::string>()) == std::string::npos)
            mismatch("deny message", deny.as<std::string>(), r.error->message);
        if (expect["status"] && expect["status"].as<int>() != r.error->status)
            mismatch("status", expect["status"].as<std::string>(), std::to_string(r.error->status));
        return out;
    }
    if (r.error) return "  unexpected error " + std::to_string(r.error->status) + ": " + r.error->message + "\n";
    if (expect["model"] && expect["model"].as<std::string>() != r.decision.model->config->name)
        mismatch("model", expect["model"].as<std::string>(), r.decision.model->config->name);
    if (expect["policy"] && expect["policy"].as<std::string>() != policy_of(r))
        mismatch("policy", expect["policy"].as<std::string>(), policy_of(r));
    if (expect["route"] && r.decision.reason.find(expect["route"].as<std::string>()) == std::string::npos)
        mismatch("route (substring)", expect["route"].as<std::string>(), r.decision.reason);
    if (expect["local"] && expect["local"].as<bool>() != r.decision.deployment->local)
        mismatch("local deployment", expect["local"].as<std::string>(), r.decision.deployment->local ? "true" : "false");
    return out;
}


}  // namespace

std::string yaml_to_json_text(const YAML::Node& node) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    yaml_to_json(node, w);
    return std::string(sb.GetString(), sb.GetSize());
}

CaseReport run_policy_cases(const Runtime& rt, const std::string& path) {
    CaseReport report;
    YAML::Node doc;
    try {
        doc = YAML::LoadFile(path);
        for (const auto& c : doc["cases"]) {
            std::string name =
                c["name"] ? c["name"].as<std::string>() : "case " + std::to_string(report.passed + report.failed + 1);
            std::string parse_error;
            Result r = run(rt, yaml_to_json_text(c["request"]), read_context(c), parse_error);
            std::string problems = parse_error.empty() ? check(r, c["expect"]) : "  bad request: " + parse_error + "\n";
            if (problems.empty()) {
                ++report.passed;
                report.text += "ok   " + name + "\n";
            } else {
                ++report.failed;
                report.text += "FAIL " + name + "\n" + problems + "  result: " + result_json(r) + "\n";
            }
        }
    } catch (const YAML::Exception& e) {
        ++report.failed;
        report.text += path + ": " + e.what() + "\n";
    }
    report.text += std::to_string(report.passed) + " passed, " + std::to_string(report.failed) + " failed\n";
    return report;
}

std::string route_request_json(const Runtime& rt, const std::string& body_json, std::string& parse_error) {
    CaseInput in;
    in.unix_time = static_cast<int64_t>(std::time(nullptr));
    Result r = run(rt, body_json, in, parse_error);
    return parse_error.empty() ? result_json(r) : std::string();
}

}  // namespace sy::routing
