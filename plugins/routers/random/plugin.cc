// Registration of the random router plugin.
#include "random_router.hpp"

SWITCHYARD_ROUTER(sy_plugins::random::RandomRouter, "random", "1.0.0",
                  "Weighted random choice among healthy candidates")
