// Registration of the bandit (online Thompson sampling) router plugin.
#include "bandit_router.hpp"

SWITCHYARD_ROUTER(sy_plugins::bandit::BanditRouter, "bandit", "1.0.0",
                  "Learns from POST /v1/feedback per prompt context (Thompson sampling), shared through the state store")
