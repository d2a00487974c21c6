// Registration of the fixed router plugin.
#include "fixed_router.hpp"

SWITCHYARD_ROUTER(sy_plugins::fixed::FixedRouter, "fixed", "1.0.0", "Always routes to one configured model")
