// Registration of the gemini (Generative Language API) provider plugin.
#include "gemini_provider.hpp"

SWITCHYARD_PROVIDER(sy_plugins::gemini::GeminiProvider, "gemini", "1.0.0",
                    "Gemini generateContent and streamGenerateContent: roles, system instruction, images, functions, "
                    "safety blocks, usage")
