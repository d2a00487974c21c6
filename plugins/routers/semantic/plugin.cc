// Registration of the semantic (example-utterance) router plugin.
#include "semantic_router.hpp"

SWITCHYARD_ROUTER(sy_plugins::semantic::SemanticRouter, "semantic", "1.0.0",
                  "Routes by similarity to example prompts per route (kNN with a threshold), no training")
