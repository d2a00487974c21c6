// Registration of the openai provider plugin.
#include "openai_provider.hpp"

SWITCHYARD_PROVIDER(sy_plugins::openai::OpenAIProvider, "openai", "1.0.0",
                    "OpenAI Chat Completions and every OpenAI-compatible server")
