// Learned-router commands (docs/cli.md, docs/routers.md):
//   switchyard train ROUTER --data FILE.jsonl --out FILE [--embedder NAME] [--seed N]
//                    [--validation-percent P] [--holdout-percent P] [--set KEY=VALUE]... [--plugin FILE.so]
//   switchyard calibrate --config FILE --router NAME (--strong-percent P | --target-cost USD) --data FILE.jsonl
//   switchyard eval --config FILE --router NAME --data FILE.jsonl [--json] [--svg FILE] [--output-tokens N]
//   switchyard split --data FILE.jsonl --test-percent P --train-out FILE --test-out FILE [--seed N]
#pragma once

#include <string>
#include <vector>

namespace sy::cli {

// Each returns the process exit code: 0 ok, 1 failure, 2 usage.
int train(const std::vector<std::string>& args);
int calibrate(const std::vector<std::string>& args);
int eval(const std::vector<std::string>& args);
int split(const std::vector<std::string>& args);

}  // namespace sy::cli
