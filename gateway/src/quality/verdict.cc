#include "quality/verdict.hpp"

#include <cctype>
#include <string>

#include "core/ascii.hpp"

namespace sy::quality {
namespace {

std::optional<Pick> label(std::string_view word) {
    if (word == "a") return Pick::a;
    if (word == "b") return Pick::b;
    if (word == "tie" || word == "c" || word == "equal") return Pick::tie;
    return std::nullopt;
}

// The first word at or after `pos`, letters only ("**A**," reads as "a").
std::string_view word_at(std::string_view s, size_t pos) {
    while (pos < s.size() && !std::isalpha(static_cast<unsigned char>(s[pos]))) ++pos;
    size_t end = pos;
    while (end < s.size() && std::isalpha(static_cast<unsigned char>(s[end]))) ++end;
    return s.substr(pos, end - pos);
}

// "[[a]]" style brackets: the one named (twice the same is fine), `conflict` when two differ.
std::optional<Pick> bracketed(std::string_view s, bool& conflict) {
    std::optional<Pick> found;
    for (size_t pos = s.find("[["); pos != std::string_view::npos; pos = s.find("[[", pos + 2)) {
        size_t close = s.find("]]", pos + 2);
        if (close == std::string_view::npos) break;
        std::optional<Pick> p = label(s.substr(pos + 2, close - pos - 2));
        if (!p) continue;
        if (found && *found != *p) {
            conflict = true;
            return std::nullopt;
        }
        found = p;
    }
    return found;
}

}  // namespace

std::optional<Pick> parse_verdict(std::string_view text) {
    const std::string s = ascii_lower(text);
    bool conflict = false;
    if (auto p = bracketed(s, conflict)) return p;
    if (conflict) return std::nullopt;
    // "verdict": "a" / Verdict: B / winner - tie
    for (std::string_view key : {"verdict", "winner", "better answer", "answer"}) {
        size_t at = s.find(key);
        if (at == std::string::npos) continue;
        size_t after = at + key.size();
        if (after < s.size() && std::isalpha(static_cast<unsigned char>(s[after]))) continue;  // "answers"
        // Past fillers: "the better answer is response B".
        for (int i = 0; i < 4; ++i) {
            std::string_view w = word_at(s, after);
            if (auto p = label(w)) return p;
            if (w != "is" && w != "was" && w != "would" && w != "be" && w != "response" && w != "the") break;
            after = static_cast<size_t>(w.data() - s.data()) + w.size();
        }
    }
    // A bare label, or a sentence starting with one ("B is better", "Tie.").
    return label(word_at(s, 0));
}

Verdict verdict_for_routed(Pick pick, bool routed_is_a) {
    if (pick == Pick::tie) return Verdict::tie;
    return (pick == Pick::a) == routed_is_a ? Verdict::win : Verdict::loss;
}

const char* verdict_name(Verdict v) { return v == Verdict::win ? "win" : v == Verdict::tie ? "tie" : "loss"; }

double retained(Verdict v) { return v == Verdict::loss ? 0.0 : 1.0; }  // at least as good: a win or a tie

}  // namespace sy::quality
