// switchyard <command>: the gateway binary's command line (see docs/cli.md).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <Poco/Net/SSLManager.h>

#include <switchyard/log.hpp>

#include "cli/audit.hpp"
#include "cli/config_show.hpp"
#include "cli/policy_test.hpp"
#include "cli/router_commands.hpp"
#include "core/json_out.hpp"
#include "plugin/plugin_loader.hpp"
#include "server/gateway.hpp"
#include "server/serve.hpp"

#ifdef SY_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace {

// The malloc the process runs on: jemalloc when built with it (SY_JEMALLOC), else the C library's.
std::string allocator_name() {
#ifdef SY_WITH_JEMALLOC
    const char* version = nullptr;
    size_t size = sizeof version;
    if (mallctl("version", &version, &size, nullptr, 0) == 0 && version) return std::string("jemalloc ") + version;
    return "jemalloc";
#else
    return "the C library's malloc";
#endif
}

constexpr const char* kUsage =
    "usage: switchyard <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve --config FILE [--listen HOST:PORT] [--log-level debug|info|warn|error]\n"
    "                          run the gateway (SIGTERM drains, SIGHUP reloads)\n"
    "  config check FILE       validate a config, its plugins and instances\n"
    "  config show FILE        print the config with ${ENV} substituted and secrets as fingerprints\n"
    "  plugins inspect FILE.so print a plugin's descriptor as JSON\n"
    "  policy test --config FILE (--request REQ.json | --cases CASES.yaml)\n"
    "                          run the policies on a request or on test cases, no provider called\n"
    "  train ROUTER --data FILE.jsonl --out FILE [--embedder NAME] [--seed N] [--set KEY=VALUE]...\n"
    "                          train a learned router (e.g. mf) from labeled data\n"
    "  calibrate --config FILE --router NAME (--strong-percent P | --target-cost USD) --data FILE.jsonl\n"
    "                          the threshold (or lambda) that sends P% of prompts to the strong model\n"
    "  eval --config FILE --router NAME --data FILE.jsonl [--json] [--svg FILE]\n"
    "                          quality vs strong share / cost, APGR, CPT(50%), CPT(80%)\n"
    "  split --data FILE.jsonl --test-percent P --train-out FILE --test-out FILE [--seed N]\n"
    "                          a deterministic held-out split of labeled data\n"
    "  audit --log FILE [--feedback FILE] [--json] [--drift-threshold X]\n"
    "                          savings, model shares and quality signals per day and route\n"
    "  version                 print the version and plugin ABI\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "switchyard: %s\n\n%s", message.c_str(), kUsage);
    return 2;
}

std::string json_escape(std::string_view s) {
    std::string out;
    sy::append_json_escaped(out, s);
    return out;
}

int cmd_serve(const std::vector<std::string>& args) {
    sy::server::ServeOptions opts;
    opts.allocator = allocator_name();
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        bool has_value = i + 1 < args.size();
        if (a == "--config" && has_value) opts.config_path = args[++i];
        else if (a == "--listen" && has_value) opts.listen_override = args[++i];
        else if (a == "--log-level" && has_value) {
            const std::string& l = args[++i];
            if (l == "debug") sy::log::set_level(sy::log::Level::debug);
            else if (l == "info") sy::log::set_level(sy::log::Level::info);
            else if (l == "warn") sy::log::set_level(sy::log::Level::warn);
            else if (l == "error") sy::log::set_level(sy::log::Level::error);
            else return usage_error("--log-level must be debug, info, warn or error");
        } else return usage_error("serve: unexpected argument '" + a + "'");
    }
    if (opts.config_path.empty()) return usage_error("serve needs --config FILE");
    return sy::server::serve(opts);
}

int cmd_config_check(const std::vector<std::string>& args) {
    if (args.size() != 1) return usage_error("config check needs exactly one FILE");
    std::string error;
    sy::log::set_level(sy::log::Level::warn);
    auto rt = sy::server::build_runtime_from_file(args[0], error);
    if (rt && !sy::server::policy_cases_pass(*rt, error)) rt.reset();
    if (!rt) {
        std::fprintf(stderr, "%s: %s\n", args[0].c_str(), error.c_str());
        return 1;
    }
    std::printf("%s: ok (%zu providers, %zu models, %zu routers, %zu plugins loaded)\n", args[0].c_str(),
                rt->config().providers.size(), rt->models().size(), rt->routers().size(), rt->plugins().all().size());
    return 0;
}

int cmd_plugins_inspect(const std::vector<std::string>& args) {
    if (args.size() != 1) return usage_error("plugins inspect needs exactly one FILE.so");
    sy::plugin::LoadOutcome out = sy::plugin::load_plugin(args[0]);
    if (!out.plugin) {
        std::fprintf(stderr, "%s\n", out.error.c_str());
        return 1;
    }
    const sy_plugin_descriptor& d = out.plugin->descriptor();
    std::printf("{\"name\": \"%s\", \"kind\": \"%s\", \"version\": \"%s\", \"abi_major\": %u, \"abi_minor\": %u, "
                "\"description\": \"%s\", \"path\": \"%s\"}\n",
                json_escape(d.name).c_str(), sy::plugin::kind_name(out.plugin->kind()),
                json_escape(d.version).c_str(), d.abi_major, d.abi_minor,
                json_escape(d.description ? d.description : "").c_str(), json_escape(args[0]).c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    Poco::Net::initializeSSL();
    const std::string cmd = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    int rc;
    if (cmd == "serve") {
        rc = cmd_serve(rest);
    } else if (cmd == "config" && !rest.empty() && rest[0] == "check") {
        rc = cmd_config_check({rest.begin() + 1, rest.end()});
    } else if (cmd == "config" && !rest.empty() && rest[0] == "show") {
        rc = sy::cli::config_show({rest.begin() + 1, rest.end()});
    } else if (cmd == "plugins" && !rest.empty() && rest[0] == "inspect") {
        rc = cmd_plugins_inspect({rest.begin() + 1, rest.end()});
    } else if (cmd == "policy" && !rest.empty() && rest[0] == "test") {
        rc = sy::cli::policy_test({rest.begin() + 1, rest.end()});
    } else if (cmd == "train") {
        rc = sy::cli::train(rest);
    } else if (cmd == "calibrate") {
        rc = sy::cli::calibrate(rest);
    } else if (cmd == "eval") {
        rc = sy::cli::eval(rest);
    } else if (cmd == "split") {
        rc = sy::cli::split(rest);
    } else if (cmd == "audit") {
        rc = sy::cli::audit(rest);
    } else if (cmd == "version" || cmd == "--version") {
        std::printf("switchyard 0.1.0 (plugin ABI %d.%d; memory allocator: %s)\n", SY_ABI_MAJOR, SY_ABI_MINOR,
                    allocator_name().c_str());
        rc = 0;
    } else {
        rc = usage_error("unknown command '" + cmd + "'");
    }
    Poco::Net::uninitializeSSL();
    return rc;
}
