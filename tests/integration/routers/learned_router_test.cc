// Learned routers end to end: `switchyard train mf` (and sw), `calibrate` and `eval` on small synthetic
// data, then the trained weights in a running gateway (router-mf-<t>), and weights files that are
// corrupt, truncated, trained with another embedder or missing a candidate.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <regex>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/weights_file.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "router_configs.hpp"
#include "support/servers.hpp"

namespace sy::test {
namespace {

// Two kinds of prompt: proofs, where only the big model is right, and greetings, where both are.
std::string synthetic_data(int rows) {
    const char* topics[] = {"integral", "group homomorphism", "eigenvalue", "prime ideal", "manifold"};
    const char* names[] = {"Ana", "Bo", "Chen", "Dara", "Eli", "Fay"};
    std::string out;
    for (int i = 0; i < rows; ++i) {
        bool proof = i % 2 == 0;
        std::string prompt = proof ? std::string("Prove the theorem about the ") + topics[i % 5] + " number " + std::to_string(i)
                                   : std::string("Say hello to my friend ") + names[i % 6] + " please " + std::to_string(i);
        double big = 1.0, small = proof ? (i % 10 == 0 ? 1.0 : 0.0) : 1.0;
        out += R"({"prompt": ")" + prompt + R"(", "scores": {"big": )" + std::to_string(big) + R"(, "small": )" +
               std::to_string(small) + "}}\n";
    }
    return out;
}

std::string router_config(const std::string& weights, const std::string& extra_router = "") {
    return mock_gateway({"{name: big, input_price_per_mtok: 10, output_price_per_mtok: 30, deployments: [{provider: local}]}",
                         "{name: small, input_price_per_mtok: 0.5, output_price_per_mtok: 1.5, deployments: [{provider: local}]}"},
                        R"(auth:
  admin_key: admin-secret
routers:
  - name: mf
    plugin: mf
    candidates: [big, small]
    config: {weights: ")" + weights + R"("}
  - name: coin
    plugin: random
    candidates: [big, small]
)" + extra_router);
}

int exit_code(const std::string& cmd, std::string& output) {
    output = capture(cmd + "; echo \"exit=$?\"");
    std::smatch m;
    std::regex re("exit=(\\d+)\\s*$");
    return std::regex_search(output, m, re) ? std::stoi(m[1]) : -1;
}

double json_number(const std::string& body, const std::string& key) {
    std::smatch m;
    std::regex re("\"" + key + "\": ([-0-9.e]+)");
    return std::regex_search(body, m, re) ? std::stod(m[1]) : std::nan("");
}

class LearnedRouterTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new std::string(make_temp_dir());
        write_file(*dir_ + "/data.jsonl", synthetic_data(300));
        write_file(*dir_ + "/test.jsonl", synthetic_data(100));
        train_output_ = new std::string(capture(gateway_binary() + " train mf --data " + *dir_ + "/data.jsonl --out " +
                                                *dir_ + "/mf.syrw --seed 7 --set epochs=8 --set k=16 2>&1"));
        write_file(*dir_ + "/config.yaml", router_config(*dir_ + "/mf.syrw"));
    }
    static void TearDownTestSuite() {
        remove_tree(*dir_);
        delete dir_;
        delete train_output_;
    }
    static std::string cli(const std::string& args) { return gateway_binary() + " " + args + " 2>&1"; }
    static std::string* dir_;
    static std::string* train_output_;
};
std::string* LearnedRouterTest::dir_ = nullptr;
std::string* LearnedRouterTest::train_output_ = nullptr;

TEST_F(LearnedRouterTest, TrainPrintsLossesAndWritesWeights) {
    EXPECT_NE(train_output_->find("epoch 1/8 train_loss="), std::string::npos) << *train_output_;
    EXPECT_NE(train_output_->find("validation_loss="), std::string::npos);
    EXPECT_NE(train_output_->find("wrote " + *dir_ + "/mf.syrw"), std::string::npos) << *train_output_;
    // Deterministic for a seed: training again gives the same bytes.
    capture(cli("train mf --data " + *dir_ + "/data.jsonl --out " + *dir_ + "/again.syrw --seed 7 --set epochs=8 --set k=16"));
    EXPECT_EQ(read_file(*dir_ + "/mf.syrw"), read_file(*dir_ + "/again.syrw"));
}

TEST_F(LearnedRouterTest, EvalFindsTheSeparableStructure) {
    std::string out;
    ASSERT_EQ(exit_code(cli("eval --config " + *dir_ + "/config.yaml --router mf --data " + *dir_ +
                            "/test.jsonl --json --svg " + *dir_ + "/curve.svg"),
                        out),
              0)
        << out;
    // Sending the proofs (half the prompts) to big recovers the whole gap: APGR near 1 - 0.5/2.
    EXPECT_GT(json_number(out, "apgr"), 0.7) << out;
    EXPECT_LT(json_number(out, "cpt80"), 0.6) << out;
    EXPECT_NE(read_file(*dir_ + "/curve.svg").find("<polyline"), std::string::npos);
    // The random router has no quality model: eval says so instead of inventing numbers.
    ASSERT_EQ(exit_code(cli("eval --config " + *dir_ + "/config.yaml --router coin --data " + *dir_ + "/test.jsonl"), out), 1);
    EXPECT_NE(out.find("does not score prompts"), std::string::npos) << out;
}

TEST_F(LearnedRouterTest, CalibrateGivesTheThresholdForAShare) {
    std::string out;
    ASSERT_EQ(exit_code(cli("calibrate --config " + *dir_ + "/config.yaml --router mf --strong-percent 50 --data " +
                            *dir_ + "/test.jsonl"),
                        out),
              0)
        << out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex("use model (router-mf-[0-9.e-]+)"))) << out;
    ASSERT_EQ(exit_code(cli("calibrate --config " + *dir_ + "/config.yaml --router mf --target-cost 0.004 --data " +
                            *dir_ + "/test.jsonl"),
                        out),
              0)
        << out;
    EXPECT_NE(out.find("lambda "), std::string::npos) << out;
}

TEST_F(LearnedRouterTest, GatewayRoutesByTheTrainedModel) {
    GatewayProcess gw(router_config(*dir_ + "/mf.syrw"));
    ASSERT_TRUE(gw.ok()) << gw.log();
    auto ask = [&](const std::string& text, const std::string& model) {
        return post_chat(gw.port(), R"({"model": ")" + model + R"(", "messages": [{"role": "user", "content": ")" + text + R"("}]})");
    };
    HttpResponse proof = ask("Prove the theorem about the eigenvalue number 12345", "router-mf-0.6");
    ASSERT_EQ(proof.status, 200) << proof.body;
    EXPECT_EQ(proof.header("x-switchyard-model"), "big") << proof.header("x-switchyard-route");
    EXPECT_TRUE(std::regex_search(proof.header("x-switchyard-route"), std::regex("^router:mf score=0\\.[0-9]+>=0\\.6 -> big$")))
        << proof.header("x-switchyard-route");
    HttpResponse hello = ask("Say hello to my friend Bo please 99999", "router-mf-0.6");
    EXPECT_EQ(hello.header("x-switchyard-model"), "small") << hello.header("x-switchyard-route");
    // Threshold 0 sends everything to the strong model.
    EXPECT_EQ(ask("Say hello to my friend Ana please 1", "router-mf-0").header("x-switchyard-model"), "big");
}

TEST_F(LearnedRouterTest, CorruptWeightsFailAtLoadWithAClearMessage) {
    std::string good = read_file(*dir_ + "/mf.syrw");
    std::string flipped = good;
    flipped[flipped.size() / 2] ^= 0x40;
    write_file(*dir_ + "/flipped.syrw", flipped);
    write_file(*dir_ + "/short.syrw", good.substr(0, good.size() - 100));
    write_file(*dir_ + "/text.syrw", "not weights at all");
    struct Case {
        const char* file;
        const char* message;
    } cases[] = {{"flipped.syrw", "not a valid router weights file (checksum mismatch)"},
                 {"short.syrw", "not a valid router weights file (truncated"},
                 {"text.syrw", "not a valid router weights file (wrong magic)"},
                 {"missing.syrw", "cannot open"}};
    for (const auto& c : cases) {
        write_file(*dir_ + "/bad.yaml", router_config(*dir_ + "/" + c.file));
        std::string out;
        EXPECT_EQ(exit_code(cli("config check " + *dir_ + "/bad.yaml"), out), 1) << c.file;
        EXPECT_NE(out.find("routers[0]"), std::string::npos) << out;
        EXPECT_NE(out.find(c.message), std::string::npos) << c.file << ": " << out;
    }
}

TEST_F(LearnedRouterTest, WeightsOfAnotherEmbedderOrWithoutACandidateAreRefused) {
    sy_plugins::WeightsFile f = sy_plugins::decode_weights(read_file(*dir_ + "/mf.syrw"), "mf.syrw");
    f.header["embedder"].SetString("some-other-embedder/512");
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    f.header.Accept(w);
    write_file(*dir_ + "/other.syrw", sy_plugins::encode_weights(sb.GetString(), f.data));
    write_file(*dir_ + "/bad.yaml", router_config(*dir_ + "/other.syrw"));
    std::string out;
    EXPECT_EQ(exit_code(cli("config check " + *dir_ + "/bad.yaml"), out), 1);
    EXPECT_NE(out.find("trained with embedder some-other-embedder/512, but the configured embedder is hash-ngram-v1/1024"),
              std::string::npos)
        << out;

    std::string extra = R"(  - name: third
    plugin: mf
    candidates: [big, small, tiny]
    config: {weights: ")" + *dir_ + R"(/mf.syrw"}
)";
    std::string yaml = router_config(*dir_ + "/mf.syrw", extra);
    yaml.replace(yaml.find("auth:"), 5, "  - {name: tiny, deployments: [{provider: local}]}\nauth:");
    write_file(*dir_ + "/bad.yaml", yaml);
    EXPECT_EQ(exit_code(cli("config check " + *dir_ + "/bad.yaml"), out), 1);
    EXPECT_NE(out.find("candidate 'tiny' is not a model these weights know (trained: big, small)"), std::string::npos) << out;
}

TEST_F(LearnedRouterTest, ABadReloadKeepsTheRunningRouters) {
    std::string weights = *dir_ + "/reload.syrw";
    write_file(weights, read_file(*dir_ + "/mf.syrw"));
    GatewayProcess gw(router_config(weights));
    ASSERT_TRUE(gw.ok()) << gw.log();
    write_file(weights, "garbage");
    HttpClient admin(gw.port());
    HttpResponse r = admin.request("POST", "/admin/reload", "", {{"Authorization", "Bearer admin-secret"}});
    EXPECT_NE(r.body.find("\"ok\":false"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("wrong magic"), std::string::npos) << r.body;
    HttpResponse after = post_chat(
        gw.port(), R"({"model": "router-mf-0.5", "messages": [{"role": "user", "content": "Prove the theorem about the integral number 5"}]})");
    EXPECT_EQ(after.status, 200);
    EXPECT_EQ(after.header("x-switchyard-model"), "big");
}

TEST_F(LearnedRouterTest, TrainRefusesBadInput) {
    write_file(*dir_ + "/bad.jsonl", "{\"prompt\": \"x\", \"scores\": {\"a\": 1.5}}\n");
    std::string out;
    EXPECT_EQ(exit_code(cli("train mf --data " + *dir_ + "/bad.jsonl --out " + *dir_ + "/x.syrw"), out), 1);
    EXPECT_NE(out.find("bad.jsonl:1: scores.a must be a number in 0..1"), std::string::npos) << out;
    EXPECT_EQ(exit_code(cli("train random --data " + *dir_ + "/data.jsonl --out " + *dir_ + "/x.syrw"), out), 1);
    EXPECT_NE(out.find("router 'random' is not trainable"), std::string::npos) << out;
    EXPECT_EQ(exit_code(cli("train mf --data " + *dir_ + "/data.jsonl --out " + *dir_ + "/x.syrw --set k=0"), out), 1);
    EXPECT_NE(out.find("config.k: must be between 1 and 1024"), std::string::npos) << out;
    EXPECT_EQ(exit_code(cli("train mf --data " + *dir_ + "/data.jsonl"), out), 2);
}

TEST_F(LearnedRouterTest, SwIndexesTheDataAndRanksByItsNeighbours) {
    std::string out;
    ASSERT_EQ(exit_code(cli("train sw --data " + *dir_ + "/data.jsonl --out " + *dir_ + "/sw.syrw --validation-percent 0"), out), 0)
        << out;
    EXPECT_NE(out.find("indexed 300 prompts, 2 models, projected to 128 dimensions"), std::string::npos) << out;
    std::string yaml = router_config(*dir_ + "/mf.syrw", R"(  - name: sw
    plugin: sw
    candidates: [big, small]
    config: {weights: ")" + *dir_ + R"(/sw.syrw", k: 20}
)");
    write_file(*dir_ + "/sw.yaml", yaml);
    ASSERT_EQ(exit_code(cli("eval --config " + *dir_ + "/sw.yaml --router sw --data " + *dir_ + "/test.jsonl --json"), out), 0) << out;
    EXPECT_GT(json_number(out, "apgr"), 0.7) << out;
    GatewayProcess gw(yaml);
    ASSERT_TRUE(gw.ok()) << gw.log();
    HttpResponse proof = post_chat(gw.port(), R"({"model": "router-sw-0.6", "messages": [{"role": "user", "content": "Prove the theorem about the manifold number 4242"}]})");
    EXPECT_EQ(proof.header("x-switchyard-model"), "big") << proof.header("x-switchyard-route");
    EXPECT_TRUE(std::regex_search(proof.header("x-switchyard-route"), std::regex("^router:sw score=0\\.[0-9]+>=0\\.6 -> big$")))
        << proof.header("x-switchyard-route");
    HttpResponse hello = post_chat(gw.port(), R"({"model": "router-sw-0.6", "messages": [{"role": "user", "content": "Say hello to my friend Fay please 4242"}]})");
    EXPECT_EQ(hello.header("x-switchyard-model"), "small") << hello.header("x-switchyard-route");
    // mf weights are not sw weights.
    write_file(*dir_ + "/bad.yaml", router_config(*dir_ + "/mf.syrw", R"(  - name: sw
    plugin: sw
    candidates: [big, small]
    config: {weights: ")" + *dir_ + R"(/mf.syrw"}
)"));
    EXPECT_EQ(exit_code(cli("config check " + *dir_ + "/bad.yaml"), out), 1);
    EXPECT_NE(out.find("weights are not for the sw router"), std::string::npos) << out;
}

TEST_F(LearnedRouterTest, TrainsFromPairwiseBattles) {
    std::string battles;
    for (int i = 0; i < 120; ++i) {
        bool proof = i % 2 == 0;
        battles += std::string(R"({"prompt": ")") + (proof ? "Prove the lemma number " : "Say hi number ") +
                   std::to_string(i) + R"(", "model_a": "big", "model_b": "small", "winner": ")" +
                   (proof ? "model_a" : "tie") + "\"}\n";
    }
    write_file(*dir_ + "/battles.jsonl", battles);
    std::string out;
    ASSERT_EQ(exit_code(cli("train mf --data " + *dir_ + "/battles.jsonl --out " + *dir_ + "/battles.syrw --set epochs=5"), out), 0)
        << out;
    EXPECT_NE(out.find("2 models"), std::string::npos) << out;
}

}  // namespace
}  // namespace sy::test
