// Registration of the ollama (native /api/chat, /api/embed) provider plugin.
#include "ollama_provider.hpp"

SWITCHYARD_PROVIDER(sy_plugins::ollama::OllamaProvider, "ollama", "1.0.0",
                    "Ollama's native chat (NDJSON streams) and embeddings APIs")
