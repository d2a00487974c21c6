#include "mf_train.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "common/plugin_config.hpp"

namespace sy_plugins::mf {
namespace {

constexpr double kEps = 1e-8;

// Adagrad state for one parameter vector.
struct Adagrad {
    std::vector<float> sum;
    explicit Adagrad(size_t n) : sum(n, 0.0f) {}
    void step(float& p, size_t i, double g, double lr) {
        sum[i] += static_cast<float>(g * g);
        p -= static_cast<float>(lr * g / (std::sqrt(static_cast<double>(sum[i])) + kEps));
    }
};

double bce(double p, double y) {
    p = std::clamp(p, 1e-7, 1 - 1e-7);
    return -(y * std::log(p) + (1 - y) * std::log(1 - p));
}

// Per-example work buffers.
struct Scratch {
    std::vector<size_t> nz;
    std::vector<float> u;
    std::vector<double> z, gz, gu;
};

class Trainer {
public:
    Trainer(MfModel& m, const TrainOptions& o)
        : m_(m), o_(o), g_wt_(m.wt.size()), g_v_(m.v.size()), g_w_(m.w.size()), g_b_(m.b.size()) {}

    // Loss of one example; with update, also one Adagrad step.
    double example(const sy_train_example& ex, bool update) {
        const size_t n = m_.models.size(), k = m_.k;
        s_.nz.clear();
        for (size_t d = 0; d < m_.dim; ++d)
            if (ex.embedding[d] != 0.0f) s_.nz.push_back(d);
        s_.u.assign(k, 0.0f);
        for (size_t d : s_.nz)
            for (size_t j = 0; j < k; ++j) s_.u[j] += ex.embedding[d] * m_.wt[d * k + j];
        s_.z.assign(n, 0.0);
        s_.gz.assign(n, 0.0);
        size_t rated = 0;
        for (size_t i = 0; i < n; ++i) {
            if (std::isnan(ex.scores[i])) continue;
            ++rated;
            s_.z[i] = m_.score(i, s_.u.data());
        }
        double loss = 0;
        for (size_t a = 0; a < n; ++a) {
            if (std::isnan(ex.scores[a])) continue;
            double p = sigmoid(s_.z[a]);
            loss += o_.point_weight * bce(p, ex.scores[a]);
            s_.gz[a] += o_.point_weight * (p - ex.scores[a]);
        }
        const double pair_w = rated > 1 ? o_.pair_weight / static_cast<double>(rated - 1) : 0.0;
        for (size_t a = 0; a < n && pair_w > 0; ++a) {
            if (std::isnan(ex.scores[a])) continue;
            for (size_t b = a + 1; b < n; ++b) {
                if (std::isnan(ex.scores[b])) continue;
                double target = 0.5 + (ex.scores[a] - ex.scores[b]) / 2;
                double p = sigmoid(s_.z[a] - s_.z[b]);
                loss += pair_w * bce(p, target);
                s_.gz[a] += pair_w * (p - target);
                s_.gz[b] -= pair_w * (p - target);
            }
        }
        if (update) step(ex);
        return loss;
    }

private:
    void step(const sy_train_example& ex) {
        const size_t n = m_.models.size(), k = m_.k;
        const double lr = o_.learning_rate;
        s_.gu.assign(k, 0.0);
        std::vector<double> gw(k, 0.0);
        for (size_t m = 0; m < n; ++m) {
            double g = s_.gz[m];
            if (g == 0.0) continue;
            const float* vm = &m_.vn[m * k];
            // Gradient through the normalised model vector.
            std::vector<double> gvn(k);
            double dot = 0;
            double norm = 0;
            for (size_t j = 0; j < k; ++j) {
                s_.gu[j] += g * m_.w[j] * vm[j];
                gw[j] += g * vm[j] * s_.u[j];
                gvn[j] = g * m_.w[j] * s_.u[j];
                dot += gvn[j] * vm[j];
                norm += static_cast<double>(m_.v[m * k + j]) * m_.v[m * k + j];
            }
            double inv = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
            for (size_t j = 0; j < k; ++j) g_v_.step(m_.v[m * k + j], m * k + j, (gvn[j] - vm[j] * dot) * inv, lr);
            g_b_.step(m_.b[m], m, g, lr);
        }
        for (size_t j = 0; j < k; ++j) g_w_.step(m_.w[j], j, gw[j], lr);
        for (size_t d : s_.nz) {
            float e = ex.embedding[d];
            for (size_t j = 0; j < k; ++j) {
                size_t i = d * k + j;
                g_wt_.step(m_.wt[i], i, e * s_.gu[j] + o_.l2 * m_.wt[i], lr);
            }
        }
        m_.normalise();
    }

    MfModel& m_;
    const TrainOptions& o_;
    Adagrad g_wt_, g_v_, g_w_, g_b_;
    Scratch s_;
};

double mean_loss(Trainer& t, const sy_train_example* xs, size_t n) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) total += t.example(xs[i], false);
    return n ? total / static_cast<double>(n) : 0.0;
}

}  // namespace

TrainOptions parse_train_options(const sy_train_set& set) {
    PluginConfig cfg("mf train", switchyard::view(set.options_json),
                     {"k", "epochs", "learning_rate", "l2", "point_weight", "pair_weight"});
    TrainOptions o;
    o.k = static_cast<size_t>(cfg.number("k", static_cast<double>(o.k), 1, 1024));
    o.epochs = static_cast<size_t>(cfg.number("epochs", static_cast<double>(o.epochs), 1, 1000));
    o.learning_rate = cfg.number("learning_rate", o.learning_rate, 1e-6, 10);
    o.l2 = cfg.number("l2", o.l2, 0, 1);
    o.point_weight = cfg.number("point_weight", o.point_weight, 0, 100);
    o.pair_weight = cfg.number("pair_weight", o.pair_weight, 0, 100);
    if (o.point_weight == 0 && o.pair_weight == 0) cfg.fail("pair_weight", "point_weight and pair_weight cannot both be 0");
    return o;
}

MfModel train_model(const sy_train_set& set, const TrainOptions& o, TrainingSummary& summary,
                    const std::function<void(const std::string&)>& report) {
    if (set.n_models < 2) throw switchyard::Error("mf needs scores for at least two models");
    if (set.n_train == 0) throw switchyard::Error("no training examples");
    std::vector<std::string> names;
    for (size_t i = 0; i < set.n_models; ++i) names.emplace_back(switchyard::view(set.models[i]));
    MfModel model;
    model.init(set.dim, o.k, names, set.seed);
    Trainer trainer(model, o);

    std::vector<size_t> order(set.n_train);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(set.seed ^ 0x5eedull);
    // With no validation split, the training loss picks the best epoch.
    const bool has_validation = set.n_validation > 0;
    MfModel best = model;
    double best_loss = INFINITY;
    summary = TrainingSummary{};
    for (size_t epoch = 1; epoch <= o.epochs; ++epoch) {
        for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);  // Fisher–Yates
        double train_loss = 0;
        for (size_t i : order) train_loss += trainer.example(set.train[i], true);
        train_loss /= static_cast<double>(order.size());
        double val_loss = has_validation ? mean_loss(trainer, set.validation, set.n_validation) : train_loss;
        char line[160];
        std::snprintf(line, sizeof line, "epoch %zu/%zu train_loss=%.5f validation_loss=%.5f", epoch, o.epochs,
                      train_loss, val_loss);
        report(line);
        if (val_loss < best_loss) {
            best_loss = val_loss;
            best = model;
            summary.best_epoch = epoch;
            summary.train_loss = train_loss;
            summary.validation_loss = val_loss;
        }
    }
    summary.examples = set.n_train;
    summary.validation = set.n_validation;
    summary.seed = set.seed;
    summary.epochs = o.epochs;
    return best;
}

}  // namespace sy_plugins::mf
