// Labeled routing data (JSONL, one prompt a line), in either form:
//   {"prompt": "...", "scores": {"<model>": <quality 0..1>, ...}}
//   {"prompt": "...", "model_a": "...", "model_b": "...", "winner": "model_a|model_b|tie|tie (bothbad)"}
// A battle becomes scores 1/0 (0.5/0.5 for a tie) for its two models; other models stay unrated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sy::cli {

struct LabeledRow {
    std::string prompt;
    std::vector<double> scores;  // one per LabeledSet::models entry; NaN = not rated
};

struct LabeledSet {
    std::vector<std::string> models;  // in order of first appearance
    std::vector<LabeledRow> rows;
    std::optional<size_t> index_of(std::string_view model) const;
};

// Reads a whole file; on failure returns nullopt with an error naming the file and line.
std::optional<LabeledSet> read_labeled(const std::string& path, std::string& error);

// Deterministic membership of a prompt in a held-out share (FNV-1a of the prompt and a seed):
// the same prompt lands on the same side on every machine.
bool in_holdout(std::string_view prompt, double percent, uint64_t seed);

}  // namespace sy::cli
