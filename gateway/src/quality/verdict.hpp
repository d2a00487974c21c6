// What a judge model said when asked which of two answers, labelled A and B, is better. Judges
// do not follow instructions to the letter: the parser accepts a bare label, "[[A]]" (MT-Bench's
// form), "Verdict: B", {"verdict": "tie"}, or a sentence that starts with one ("A is better.").
#pragma once

#include <optional>
#include <string_view>

namespace sy::quality {

enum class Pick { a, b, tie };

// The judge's pick, or nothing when the text names no label or names both.
std::optional<Pick> parse_verdict(std::string_view text);

// Whether the routed answer was at least as good: the routed model's result.
enum class Verdict { win, tie, loss };

// The routed answer's verdict when it was shown as `routed_is_a` ? A : B.
Verdict verdict_for_routed(Pick pick, bool routed_is_a);

const char* verdict_name(Verdict v);            // "win", "tie", "loss"
double retained(Verdict v);                     // 1, 0.5, 0

}  // namespace sy::quality
