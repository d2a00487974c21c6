// Registration of the anthropic (Messages API) provider plugin.
#include "anthropic_provider.hpp"

SWITCHYARD_PROVIDER(sy_plugins::anthropic::AnthropicProvider, "anthropic", "1.0.0",
                    "Anthropic Messages API: chat requests, tools, images and streams translated both ways")
