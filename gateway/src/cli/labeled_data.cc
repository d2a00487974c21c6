#include "cli/labeled_data.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <fstream>

namespace sy::cli {
namespace {

std::string_view sv(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

class Reader {
public:
    explicit Reader(LabeledSet& set) : set_(set) {}

    // Adds one line; returns an error message or empty.
    std::string add(std::string_view line) {
        rapidjson::Document doc;
        doc.Parse(line.data(), line.size());
        if (doc.HasParseError()) return std::string("invalid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError());
        if (!doc.IsObject()) return "a line must be a JSON object";
        auto prompt = doc.FindMember("prompt");
        if (prompt == doc.MemberEnd() || !prompt->value.IsString()) return "\"prompt\" must be a string";
        LabeledRow row{std::string(sv(prompt->value)), {}};
        std::string err = doc.HasMember("scores") ? scores(doc["scores"], row) : battle(doc, row);
        if (err.empty()) set_.rows.push_back(std::move(row));
        return err;
    }

private:
    size_t model(std::string_view name) {
        if (auto i = set_.index_of(name)) return *i;
        set_.models.emplace_back(name);
        return set_.models.size() - 1;
    }
    void rate(LabeledRow& row, size_t m, double q) {
        if (row.scores.size() <= m) row.scores.resize(m + 1, std::nan(""));
        row.scores[m] = q;
    }
    std::string scores(const rapidjson::Value& s, LabeledRow& row) {
        if (!s.IsObject() || s.ObjectEmpty()) return "\"scores\" must be a non-empty map of model to quality";
        for (const auto& m : s.GetObject()) {
            if (!m.value.IsNumber() || !(m.value.GetDouble() >= 0 && m.value.GetDouble() <= 1))
                return "scores." + std::string(sv(m.name)) + " must be a number in 0..1";
            rate(row, model(sv(m.name)), m.value.GetDouble());
        }
        return {};
    }
    std::string battle(const rapidjson::Document& d, LabeledRow& row) {
        for (const char* k : {"model_a", "model_b", "winner"})
            if (!d.HasMember(k) || !d[k].IsString())
                return std::string("a line needs \"scores\", or \"model_a\", \"model_b\" and \"winner\" (missing ") + k + ")";
        std::string_view a = sv(d["model_a"]), b = sv(d["model_b"]), w = sv(d["winner"]);
        if (a == b) return "model_a and model_b are the same model";
        double qa;
        if (w == "model_a" || w == a) qa = 1;
        else if (w == "model_b" || w == b) qa = 0;
        else if (w == "tie" || w == "tie (bothbad)") qa = 0.5;
        else return "\"winner\" must be model_a, model_b, tie or tie (bothbad)";
        rate(row, model(a), qa);
        rate(row, model(b), 1 - qa);
        return {};
    }
    LabeledSet& set_;
};

}  // namespace

std::optional<size_t> LabeledSet::index_of(std::string_view model) const {
    for (size_t i = 0; i < models.size(); ++i)
        if (models[i] == model) return i;
    return std::nullopt;
}

std::optional<LabeledSet> read_labeled(const std::string& path, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = path + ": cannot open";
        return std::nullopt;
    }
    LabeledSet set;
    Reader reader(set);
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (std::string err = reader.add(line); !err.empty()) {
            error = path + ":" + std::to_string(n) + ": " + err;
            return std::nullopt;
        }
    }
    if (set.rows.empty()) {
        error = path + ": no labeled prompts";
        return std::nullopt;
    }
    for (auto& row : set.rows) row.scores.resize(set.models.size(), std::nan(""));
    return set;
}

bool in_holdout(std::string_view prompt, double percent, uint64_t seed) {
    uint64_t h = 1469598103934665603ull ^ (seed * 0x9e3779b97f4a7c15ull);
    for (unsigned char c : prompt) h = (h ^ c) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return static_cast<double>(h % 10000) < percent * 100.0;
}

}  // namespace sy::cli
