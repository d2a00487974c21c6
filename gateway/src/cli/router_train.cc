// switchyard train and switchyard split.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <switchyard/embedder.hpp>

#include "cli/cli_args.hpp"
#include "cli/labeled_data.hpp"
#include "cli/router_commands.hpp"
#include "plugin/host_api.hpp"
#include "config/loader.hpp"
#include "plugin/plugin_loader.hpp"
#include "routing/runtime.hpp"
#include "server/gateway.hpp"

namespace sy::cli {
namespace {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

// --set key=value pairs as a JSON object (numbers stay numbers).
bool options_json(const std::vector<std::string>& sets, std::string& out, std::string& why) {
    out.assign(1, '{');
    for (const auto& kv : sets) {
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            why = std::string("--set takes KEY=VALUE, got '").append(kv).append("'");
            return false;
        }
        std::string value = kv.substr(eq + 1);
        char* end = nullptr;
        std::strtod(value.c_str(), &end);
        bool number = !value.empty() && *end == '\0';
        if (out.size() > 1) out += ',';
        out.append(json_string(kv.substr(0, eq))).append(":").append(number ? value : json_string(value));
    }
    out.push_back('}');
    return true;
}

bool write_file_atomically(const std::string& path, const std::string& data, std::string& why) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!out) {
            why = "cannot write " + tmp;
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) why = "cannot rename " + tmp + " to " + path + ": " + ec.message();
    return !ec;
}

void append_to_string(void* ctx, const char* data, size_t len) { static_cast<std::string*>(ctx)->append(data, len); }
void print_line(void*, const char* data, size_t len) {
    std::fwrite(data, 1, len, stdout);
    std::fflush(stdout);
}

// The router's train hook, or an error naming what is missing.
const sy_router_vtable* trainable_router(const plugin::LoadedPlugin& p, std::string& why) {
    const sy_router_vtable* vt = p.router();
    if (!vt) why = "plugin '" + p.name() + "' is not a router";
    else if (p.descriptor().vtable_size < offsetof(sy_router_vtable, train) + sizeof(void*) || !vt->train)
        why = "router '" + p.name() + "' is not trainable";
    return why.empty() ? vt : nullptr;
}

}  // namespace

int train(const std::vector<std::string>& argv) {
    Args args(argv, {"--data", "--out", "--embedder", "--config", "--seed", "--validation-percent", "--set", "--plugin"}, {});
    if (!args.error().empty()) return usage("train: " + args.error());
    if (args.positional().size() != 1) return usage("train needs exactly one ROUTER (e.g. mf)");
    if (!args.has("--data") || !args.has("--out")) return usage("train needs --data FILE.jsonl and --out FILE");
    double seed = 42, validation_percent = 10;
    std::string why;
    if (!args.number("--seed", seed, 0, 9007199254740992.0, why) ||
        !args.number("--validation-percent", validation_percent, 0, 50, why))
        return usage("train: " + why);
    std::string options;
    if (!options_json(args.all("--set"), options, why)) return usage("train: " + why);

    const std::string& name = args.positional()[0];
    std::string so = args.get("--plugin", server::default_plugin_dir() + "/" + name + ".so");
    plugin::LoadOutcome loaded = plugin::load_plugin(so);
    if (!loaded.plugin) return fail(loaded.error);
    const sy_router_vtable* vt = trainable_router(*loaded.plugin, why);
    if (!vt) return fail(why);
    // Embedders of a config (embedders[]) when --config names one, else the built-in one.
    embed::EmbedderSet embedders;
    if (args.has("--config")) {
        config::LoadResult loaded_cfg = config::load_config_file(args.get("--config"));
        if (!loaded_cfg.config) return fail(args.get("--config") + ": " + loaded_cfg.error);
        if (!routing::make_embedders(*loaded_cfg.config, embedders, why)) return fail(args.get("--config") + ": " + why);
    }
    const embed::Embedder* embedder = embedders.find(args.get("--embedder"));
    if (!embedder) return fail("unknown embedder '" + args.get("--embedder") + "'" + (args.has("--config") ? "" : " (embedders[] of a config need --config FILE)"));

    std::optional<LabeledSet> data = read_labeled(args.get("--data"), why);
    if (!data) return fail(why);
    const uint64_t s = static_cast<uint64_t>(seed);
    std::vector<float> embeddings(data->rows.size() * embedder->dim());
    std::vector<sy_train_example> train_set, validation_set;
    for (size_t i = 0; i < data->rows.size(); ++i) {
        const LabeledRow& row = data->rows[i];
        float* e = &embeddings[i * embedder->dim()];
        if (!embedder->embed(row.prompt, e, why)) return fail("embedding failed: " + why);
        sy_train_example ex{sizeof(sy_train_example), plugin::to_sy_str(row.prompt), e, row.scores.data()};
        (in_holdout(row.prompt, validation_percent, s + 1) ? validation_set : train_set).push_back(ex);
    }
    if (train_set.empty()) return fail("no training prompts left after the validation split");
    std::vector<sy_str> models;
    for (const auto& m : data->models) models.push_back(plugin::to_sy_str(m));

    std::string weights;
    sy_byte_sink weights_sink{sizeof(sy_byte_sink), &weights, append_to_string};
    sy_byte_sink report_sink{sizeof(sy_byte_sink), nullptr, print_line};
    sy_train_set set{sizeof(sy_train_set), models.data(), models.size(), train_set.data(), train_set.size(),
                     validation_set.data(), validation_set.size(), plugin::to_sy_str(embedder->id()),
                     embedder->dim(), s, plugin::to_sy_str(options), &weights_sink, &report_sink};
    std::printf("training %s on %zu prompts (%zu for validation), %zu models, embedder %s, seed %llu\n", name.c_str(),
                train_set.size(), validation_set.size(), models.size(), embedder->id().c_str(),
                static_cast<unsigned long long>(s));
    plugin::ErrorBuffer eb;
    if (vt->train(plugin::host_api(), &set, &eb.err) != SY_OK) return fail("train " + name + ": " + eb.str());
    if (weights.empty()) return fail("train " + name + ": the router wrote no weights");
    if (!write_file_atomically(args.get("--out"), weights, why)) return fail(why);
    std::printf("wrote %s (%zu bytes)\n", args.get("--out").c_str(), weights.size());
    return 0;
}

int split(const std::vector<std::string>& argv) {
    Args args(argv, {"--data", "--test-percent", "--train-out", "--test-out", "--seed"}, {});
    if (!args.error().empty()) return usage("split: " + args.error());
    for (const char* required : {"--data", "--test-percent", "--train-out", "--test-out"})
        if (!args.has(required)) return usage(std::string("split needs ") + required);
    double percent = 0, seed = 0;
    std::string why;
    if (!args.number("--test-percent", percent, 0, 100, why) || !args.number("--seed", seed, 0, 1e15, why))
        return usage("split: " + why);
    // Lines are copied verbatim; the prompt decides the side.
    std::optional<LabeledSet> data = read_labeled(args.get("--data"), why);
    if (!data) return fail(why);
    std::ifstream in(args.get("--data"));
    std::ofstream train_out(args.get("--train-out")), test_out(args.get("--test-out"));
    if (!train_out || !test_out) return fail("cannot write the output files");
    size_t n_train = 0, n_test = 0, row = 0;
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        bool test = in_holdout(data->rows[row++].prompt, percent, static_cast<uint64_t>(seed));
        (test ? test_out : train_out) << line << '\n';
        ++(test ? n_test : n_train);
    }
    std::printf("%zu train, %zu test\n", n_train, n_test);
    return train_out && test_out ? 0 : fail("write failed");
}

}  // namespace sy::cli
