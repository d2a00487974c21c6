// Registration of the keywords guardrail plugin.
#include "keywords_guardrail.hpp"

SWITCHYARD_GUARDRAIL(sy_plugins::keywords::KeywordsGuardrail, "keywords", "1.0.0",
                     "Denies requests and answers that contain configured words")
