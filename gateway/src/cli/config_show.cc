#include "cli/config_show.hpp"

#include <cstdio>

#include <yaml-cpp/yaml.h>

#include "config/env_subst.hpp"
#include "config/loader.hpp"
#include "core/secrets.hpp"

namespace sy::cli {
namespace {

// Substitutes and scrubs every scalar in place (keys stay as written). The file already loaded,
// so every reference resolves; one that does not stays as written.
void redact(YAML::Node node, const config::EnvLookup& env) {
    if (node.IsScalar()) {
        std::string value, error;
        if (!config::expand_env(node.Scalar(), env, value, error)) value = node.Scalar();
        secrets::scrub(value);
        if (value != node.Scalar()) node = value;
        return;
    }
    if (node.IsSequence())
        for (YAML::Node item : node) redact(item, env);
    if (node.IsMap())
        for (auto item : node) redact(item.second, env);
}

}  // namespace

int config_show(const std::vector<std::string>& args) {
    if (args.size() != 1) {
        std::fprintf(stderr, "switchyard: config show needs exactly one FILE\n");
        return 2;
    }
    config::LoadResult loaded = config::load_config_file(args[0]);  // registers the secrets
    if (!loaded.config) {
        std::fprintf(stderr, "%s: %s\n", args[0].c_str(), loaded.error.c_str());
        return 1;
    }
    try {
        YAML::Node root = YAML::LoadFile(args[0]);
        redact(root, config::process_env());
        YAML::Emitter out;
        out << root;
        std::printf("# %s with ${ENV} substituted; secrets shown as fp:<first 8 hex digits of their SHA-256>\n%s\n",
                    args[0].c_str(), out.c_str());
    } catch (const YAML::Exception& e) {
        std::fprintf(stderr, "%s: %s\n", args[0].c_str(), e.what());
        return 1;
    }
    return 0;
}

}  // namespace sy::cli
