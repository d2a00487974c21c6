// Registration of the sw (similarity-weighted ranking) router plugin.
#include "sw_router.hpp"

SWITCHYARD_ROUTER(sy_plugins::sw::SwRouter, "sw", "1.0.0",
                  "Similarity-weighted Bradley-Terry over the training prompts nearest to the request (RouteLLM SW)")
