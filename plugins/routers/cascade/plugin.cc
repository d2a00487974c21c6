// Registration of the cascade router plugin.
#include "cascade_router.hpp"

SWITCHYARD_ROUTER(sy_plugins::cascade::CascadeRouter, "cascade", "1.0.0",
                  "Cheapest candidate first; escalates when its answer fails the checks (length, refusal, JSON, "
                  "logprobs, a judge model)")
