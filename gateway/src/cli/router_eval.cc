// switchyard calibrate and switchyard eval: run a configured router's score hook over labeled
// prompts and read the result the RouteLLM way (docs/routers.md).
#include <cmath>
#include <cstdio>
#include <fstream>

#include <switchyard/chat_request.hpp>
#include <switchyard/log.hpp>

#include "cli/cli_args.hpp"
#include "cli/labeled_data.hpp"
#include "cli/router_commands.hpp"
#include "cli/routing_curve.hpp"
#include "cli/svg_plot.hpp"
#include "plugin/host_api.hpp"
#include "routing/runtime.hpp"
#include "server/gateway.hpp"

namespace sy::cli {
namespace {

// A router's scores and the data's truth for every usable prompt; candidates strong first.
struct Scored {
    std::vector<std::string> models;               // candidate names
    std::vector<double> price;                     // (input + output) / 2 per Mtok, what lambda multiplies
    std::vector<double> strong_win;                // per prompt
    std::vector<std::vector<double>> predicted, actual, cost;
    size_t skipped = 0;                            // prompts without a score for some candidate
};

// The data column of a model: its name or one of its aliases.
std::optional<size_t> data_column(const LabeledSet& data, const config::ModelConfig& m) {
    if (auto i = data.index_of(m.name)) return i;
    for (const auto& a : m.aliases)
        if (auto i = data.index_of(a)) return i;
    return std::nullopt;
}

bool score_all(const std::string& config_path, const std::string& router_name, const LabeledSet& data,
               double output_tokens, Scored& out, std::string& why) {
    auto rt = server::build_runtime_from_file(config_path, why);
    if (!rt) return false;
    auto it = rt->routers().find(router_name);
    if (it == rt->routers().end()) {
        why = config_path + ": no router named '" + router_name + "'";
        return false;
    }
    const routing::Router& router = it->second;
    std::vector<size_t> columns;
    for (const routing::Model* m : router.models) {
        auto col = data_column(data, *m->config);
        if (!col) {
            why = "the data has no scores for candidate '" + m->config->name + "' (by name or alias)";
            return false;
        }
        columns.push_back(*col);
        out.models.push_back(m->config->name);
        out.price.push_back((m->config->input_price_per_mtok + m->config->output_price_per_mtok) / 2);
    }
    for (const LabeledRow& row : data.rows) {
        std::vector<double> truth;
        for (size_t c : columns) truth.push_back(row.scores[c]);
        bool rated = true;
        for (double t : truth) rated = rated && !std::isnan(t);
        if (!rated) {
            ++out.skipped;
            continue;
        }
        sy_request_view view{};
        view.struct_size = sizeof view;
        view.last_user_text = plugin::to_sy_str(row.prompt);
        view.prompt_tokens = estimate_tokens(row.prompt);
        view.max_tokens = -1;
        view.message_count = 1;
        plugin::ScoreResult s = router.instance->score(view, router.candidates);
        if (!s.supported) {
            why = "router '" + router_name + "' (plugin " + router.instance->plugin_name() + ") does not score prompts";
            return false;
        }
        if (!s.error.empty()) {
            why = "router '" + router_name + "': " + s.error;
            return false;
        }
        std::vector<double> cost;
        for (const routing::Model* m : router.models)
            cost.push_back((static_cast<double>(view.prompt_tokens) * m->config->input_price_per_mtok +
                            output_tokens * m->config->output_price_per_mtok) / 1e6);
        out.strong_win.push_back(s.strong_win);
        out.predicted.push_back(std::move(s.quality));
        out.actual.push_back(std::move(truth));
        out.cost.push_back(std::move(cost));
    }
    if (out.strong_win.empty()) {
        why = "no prompt in the data has scores for every candidate";
        return false;
    }
    return true;
}

std::vector<double> column(const std::vector<std::vector<double>>& rows, size_t c) {
    std::vector<double> out;
    for (const auto& r : rows) out.push_back(r[c]);
    return out;
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
}

// Loads data and scores, shared by calibrate and eval.
bool load(const Args& args, double output_tokens, Scored& scored, std::string& why) {
    std::optional<LabeledSet> data = read_labeled(args.get("--data"), why);
    return data && score_all(args.get("--config"), args.get("--router"), *data, output_tokens, scored, why);
}

std::string num(double d) {
    if (std::isnan(d) || std::isinf(d)) return "null";
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", d);
    return b;
}

struct Report {
    const Scored& s;
    TwoModelCurve two;
    std::vector<CostPoint> sweep;
    size_t best_single = 0;  // the model with the highest mean quality
    std::vector<double> single_quality, single_cost;
    const CostPoint* match = nullptr;  // cheapest sweep point at or above best_single's quality
};

Report analyse(const Scored& s) {
    Report r{s, two_model_curve(s.strong_win, column(s.actual, 0), column(s.actual, s.models.size() - 1)), {}, 0, {}, {},
             nullptr};
    for (size_t m = 0; m < s.models.size(); ++m) {
        r.single_quality.push_back(mean_of(column(s.actual, m)));
        r.single_cost.push_back(mean_of(column(s.cost, m)));
        if (r.single_quality[m] > r.single_quality[r.best_single]) r.best_single = m;
    }
    r.sweep = lambda_sweep(s.predicted, s.actual, s.cost, s.price);
    for (const auto& p : r.sweep)
        if (p.quality >= r.single_quality[r.best_single]) {
            r.match = &p;
            break;
        }
    return r;
}

void print_text(const Report& r, const std::string& router) {
    const Scored& s = r.s;
    std::printf("router %s on %zu prompts (%zu skipped without scores for every candidate)\n", router.c_str(),
                s.strong_win.size(), s.skipped);
    std::printf("strong %s: quality %.4f, cost $%.4f/1k requests\n", s.models.front().c_str(), r.two.strong_quality,
                r.single_cost.front() * 1000);
    std::printf("weak   %s: quality %.4f, cost $%.4f/1k requests\n", s.models.back().c_str(), r.two.weak_quality,
                r.single_cost.back() * 1000);
    std::printf("\nstrong%%  threshold  quality  PGR\n");
    for (int pct = 0; pct <= 100; pct += 10) {
        double share = pct / 100.0;
        double threshold = threshold_for_share(s.strong_win, pct);
        double pgr = r.two.pgr_at(share);
        double q = r.two.weak_quality + pgr * (r.two.strong_quality - r.two.weak_quality);
        std::printf("%6d%%  %9.4f  %7.4f  %5.3f\n", pct, threshold, q, pgr);
    }
    std::printf("\nAPGR %.4f (random routing: 0.5 in expectation)\n", r.two.apgr);
    std::printf("CPT(50%%) %.1f%%  CPT(80%%) %.1f%%\n", r.two.cpt50 * 100, r.two.cpt80 * 100);
    if (s.models.size() <= 2) return;
    std::printf("\nsingle models:\n");
    for (size_t m = 0; m < s.models.size(); ++m)
        std::printf("  %-36s quality %.4f  $%.4f/1k\n", s.models[m].c_str(), r.single_quality[m], r.single_cost[m] * 1000);
    std::printf("\nlambda     quality  $/1k      (quality - lambda * price, price per Mtok)\n");
    double last_cost = -1;
    for (const auto& p : r.sweep) {
        if (std::fabs(p.cost - last_cost) < 1e-12) continue;
        last_cost = p.cost;
        std::printf("%-9.4g  %.4f   %.5f\n", p.lambda, p.quality, p.cost * 1000);
    }
    const double best_q = r.single_quality[r.best_single], best_c = r.single_cost[r.best_single];
    if (r.match)
        std::printf("\nbest single model %s (quality %.4f, $%.4f/1k) matched at lambda %.4g: quality %.4f for $%.4f/1k "
                    "(%.1f%% of its cost)\n",
                    s.models[r.best_single].c_str(), best_q, best_c * 1000, r.match->lambda, r.match->quality,
                    r.match->cost * 1000, best_c > 0 ? 100 * r.match->cost / best_c : 0.0);
    else
        std::printf("\nno lambda reaches the best single model %s (quality %.4f)\n", s.models[r.best_single].c_str(),
                    best_q);
}

void print_json(const Report& r, const std::string& router) {
    const Scored& s = r.s;
    std::printf("{\"router\": \"%s\", \"prompts\": %zu, \"skipped\": %zu, \"models\": [", router.c_str(),
                s.strong_win.size(), s.skipped);
    for (size_t m = 0; m < s.models.size(); ++m)
        std::printf("%s{\"name\": \"%s\", \"quality\": %s, \"cost_per_request\": %s}", m ? ", " : "", s.models[m].c_str(),
                    num(r.single_quality[m]).c_str(), num(r.single_cost[m]).c_str());
    std::printf("], \"strong\": \"%s\", \"weak\": \"%s\", \"apgr\": %s, \"cpt50\": %s, \"cpt80\": %s, \"curve\": [",
                s.models.front().c_str(), s.models.back().c_str(), num(r.two.apgr).c_str(), num(r.two.cpt50).c_str(),
                num(r.two.cpt80).c_str());
    for (int pct = 0; pct <= 100; ++pct) {
        double pgr = r.two.pgr_at(pct / 100.0);
        std::printf("%s{\"strong_share\": %s, \"pgr\": %s, \"quality\": %s, \"threshold\": %s}", pct ? ", " : "",
                    num(pct / 100.0).c_str(), num(pgr).c_str(),
                    num(r.two.weak_quality + pgr * (r.two.strong_quality - r.two.weak_quality)).c_str(),
                    num(threshold_for_share(s.strong_win, pct)).c_str());
    }
    std::printf("], \"cost_curve\": [");
    for (size_t i = 0; i < r.sweep.size(); ++i)
        std::printf("%s{\"lambda\": %s, \"quality\": %s, \"cost_per_request\": %s}", i ? ", " : "",
                    num(r.sweep[i].lambda).c_str(), num(r.sweep[i].quality).c_str(), num(r.sweep[i].cost).c_str());
    std::printf("], \"best_single\": \"%s\", \"match\": ", s.models[r.best_single].c_str());
    if (r.match)
        std::printf("{\"lambda\": %s, \"quality\": %s, \"cost_per_request\": %s, \"cost_ratio\": %s}}\n",
                    num(r.match->lambda).c_str(), num(r.match->quality).c_str(), num(r.match->cost).c_str(),
                    num(r.single_cost[r.best_single] > 0 ? r.match->cost / r.single_cost[r.best_single] : 0).c_str());
    else
        std::printf("null}\n");
}

bool write_svg(const Report& r, const std::string& router, const std::string& path) {
    SvgPlot plot(router + ": quality vs share of requests sent to " + r.s.models.front(), "strong share", "quality");
    std::vector<std::pair<double, double>> curve, diagonal;
    for (const auto& p : r.two.points) curve.emplace_back(p.strong_share, p.quality);
    diagonal = {{0, r.two.weak_quality}, {1, r.two.strong_quality}};
    plot.line(diagonal, "random", "#999999");
    plot.line(curve, router, "#1f77b4");
    std::string svg = plot.render();
    if (r.s.models.size() > 2) {
        SvgPlot cost(router + ": quality vs cost per 1k requests", "USD per 1k requests", "quality");
        std::vector<std::pair<double, double>> pts;
        for (const auto& p : r.sweep) pts.emplace_back(p.cost * 1000, p.quality);
        cost.line(pts, router, "#1f77b4");
        for (size_t m = 0; m < r.s.models.size(); ++m) cost.point(r.single_cost[m] * 1000, r.single_quality[m], r.s.models[m]);
        svg = SvgPlot::stack({plot.render(), cost.render()});
    }
    std::ofstream out(path);
    out << svg;
    return static_cast<bool>(out);
}

}  // namespace

int calibrate(const std::vector<std::string>& argv) {
    log::set_level(log::Level::warn);
    Args args(argv, {"--config", "--router", "--strong-percent", "--target-cost", "--data", "--output-tokens"}, {});
    if (!args.error().empty()) return usage("calibrate: " + args.error());
    for (const char* required : {"--config", "--router", "--data"})
        if (!args.has(required)) return usage(std::string("calibrate needs ") + required);
    if (args.has("--strong-percent") == args.has("--target-cost"))
        return usage("calibrate needs one of --strong-percent P and --target-cost USD");
    double percent = 50, target = 0, output_tokens = 256;
    std::string why;
    if (!args.number("--strong-percent", percent, 0, 100, why) || !args.number("--target-cost", target, 0, 1e6, why) ||
        !args.number("--output-tokens", output_tokens, 0, 1e7, why))
        return usage("calibrate: " + why);
    Scored s;
    if (!load(args, output_tokens, s, why)) return fail(why);
    if (args.has("--strong-percent")) {
        double t = threshold_for_share(s.strong_win, percent);
        std::printf("threshold %.6g sends %.1f%% of %zu prompts to %s: use model router-%s-%.6g\n", t, percent,
                    s.strong_win.size(), s.models.front().c_str(), args.get("--router").c_str(), t);
        return 0;
    }
    double lambda = lambda_for_cost(target, s.predicted, s.actual, s.cost, s.price);
    if (std::isnan(lambda)) return fail("no lambda brings the mean cost down to $" + num(target) + " per request");
    CostPoint p = choose_by_lambda(lambda, s.predicted, s.actual, s.cost, s.price);
    std::printf("lambda %.6g: mean cost $%.6g per request, quality %.4f on %zu prompts (set routers[].config.lambda)\n",
                lambda, p.cost, p.quality, s.strong_win.size());
    return 0;
}

int eval(const std::vector<std::string>& argv) {
    log::set_level(log::Level::warn);
    Args args(argv, {"--config", "--router", "--data", "--svg", "--output-tokens"}, {"--json"});
    if (!args.error().empty()) return usage("eval: " + args.error());
    for (const char* required : {"--config", "--router", "--data"})
        if (!args.has(required)) return usage(std::string("eval needs ") + required);
    double output_tokens = 256;
    std::string why;
    if (!args.number("--output-tokens", output_tokens, 0, 1e7, why)) return usage("eval: " + why);
    Scored s;
    if (!load(args, output_tokens, s, why)) return fail(why);
    if (s.models.size() < 2) return fail("router '" + args.get("--router") + "' has fewer than two candidates");
    Report r = analyse(s);
    if (args.has("--json")) print_json(r, args.get("--router"));
    else print_text(r, args.get("--router"));
    if (args.has("--svg") && !write_svg(r, args.get("--router"), args.get("--svg")))
        return fail("cannot write " + args.get("--svg"));
    return 0;
}

}  // namespace sy::cli
