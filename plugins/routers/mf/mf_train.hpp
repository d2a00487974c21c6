// Training an MfModel from labeled examples (per-model quality scores, NaN = unrated):
// per-model quality (BCE on sigmoid(s(m)) against the score) plus pairwise preference
// (BCE on sigmoid(s(a) - s(b)) against 0.5 + (score(a) - score(b)) / 2), Adagrad, early stopping
// on the validation loss. Deterministic for a seed.
#pragma once

#include <functional>
#include <string>

#include <switchyard/plugin.h>

#include "mf_model.hpp"
#include "mf_weights.hpp"

namespace sy_plugins::mf {

struct TrainOptions {
    size_t k = 64;
    size_t epochs = 30;
    double learning_rate = 0.01;
    double l2 = 1e-5;
    double point_weight = 1.0;
    double pair_weight = 0.0;  // pairwise term off by default: it fought the per-model term on MMLU
};

// Parses set.options_json (keys k, epochs, learning_rate, l2, point_weight, pair_weight).
TrainOptions parse_train_options(const sy_train_set& set);

// Trains; `report` receives one line per epoch.
MfModel train_model(const sy_train_set& set, const TrainOptions& options, TrainingSummary& summary,
                    const std::function<void(const std::string&)>& report);

}  // namespace sy_plugins::mf
