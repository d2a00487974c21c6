// Registration of the mf (matrix factorisation) router plugin.
#include "mf_router.hpp"

SWITCHYARD_ROUTER(sy_plugins::mf::MfRouter, "mf", "1.0.0",
                  "Matrix-factorisation quality model over prompt embeddings (RouteLLM MF, N models)")
