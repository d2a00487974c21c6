// Registration of the mock provider plugin.
#include "mock_provider.hpp"

SWITCHYARD_PROVIDER(sy_plugins::mock::MockProvider, "mock", "1.0.0",
                    "In-process deterministic model for quickstarts, tests and benchmarks")
