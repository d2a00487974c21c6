// Reading and writing an MfModel as a weights file (plugins/common/weights_file.hpp).
#pragma once

#include <string>
#include <string_view>

#include "mf_model.hpp"

namespace sy_plugins::mf {

struct TrainingSummary {
    std::string embedder;       // embedder identity the model was trained with
    size_t examples = 0;
    size_t validation = 0;
    uint64_t seed = 0;
    size_t epochs = 0;
    size_t best_epoch = 0;
    double train_loss = 0;
    double validation_loss = 0;
};

std::string encode_model(const MfModel& model, const TrainingSummary& summary);

// Decodes and checks a weights file; `what` names it in errors. Sets the embedder identity.
MfModel decode_model(std::string_view bytes, std::string_view what, std::string& embedder);

}  // namespace sy_plugins::mf
