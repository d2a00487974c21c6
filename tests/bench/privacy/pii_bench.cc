// The personal-data detectors: precision and recall per kind on tests/fixtures/pii/corpus.tsv,
// then the time detect_pii takes on a 4,000-token prompt (about 16 KB of mixed prose, code and
// numbers with a few personal values in it), p50/p99 over N scans after a warm-up. Prints
// markdown.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "pii_corpus.hpp"

using namespace sy::policy;

namespace {

// About 4,000 tokens (16 KB at the gateway's 4 bytes a token) of text that looks like prompts:
// prose, code, versions, dates, order numbers, and four personal values.
std::string prompt() {
    const char* parts[] = {
        "The customer wrote in about order #A-99812, placed on 2026-11-20 at 10:40, asking why the parcel is late. ",
        "def total(items):\n    return sum(i.price * i.qty for i in items)  # v1.2.3, see ticket 4155 ",
        "Our SLA promises a reply within 24 hours; the queue holds 312 tickets and 17 agents are on shift. ",
        "Build 2026.11.27-rc2 passed 2671 tests in 415 seconds on runner 10.0.1; release notes follow. ",
        "std::vector<int> v{1, 2, 3}; for (auto x : v) total += x; // the usual C++ loop ",
    };
    std::string out;
    for (int i = 0; out.size() < 16000; ++i) {
        out += parts[i % 5];
        if (i == 20) out += "Reach me at jane.doe@example.com. ";
        if (i == 60) out += "My card is 4111 1111 1111 1111. ";
        if (i == 100) out += "Server 192.168.1.20 logged it. ";
        if (i == 140) out += "Call +44 20 7946 0958. ";
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
    std::vector<CorpusLine> corpus = read_corpus(std::string(SY_SOURCE_DIR) + "/tests/fixtures/pii/corpus.tsv");
    auto scores = score(corpus);
    std::printf("| kind | texts holding it | found | near-misses | false alarms | precision | recall |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (int k = 0; k < kPiiKinds; ++k) {
        const KindScore& s = scores[static_cast<size_t>(k)];
        std::printf("| %s | %d | %d | %d | %d | %.2f | %.2f |\n", pii_kind_name(static_cast<PiiKind>(k)),
                    s.true_positives + s.false_negatives, s.true_positives, s.clean, s.false_positives, s.precision(),
                    s.recall());
    }
    const std::string text = prompt();
    uint32_t found = 0;
    std::vector<double> us;
    us.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n + n / 10; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        found |= detect_pii(text);
        auto t1 = std::chrono::steady_clock::now();
        if (i >= n / 10) us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(us.begin(), us.end());
    std::printf("\nScanning a %zu-byte prompt (about %zu tokens) that holds %d kinds: p50 %.1f µs, p99 %.1f µs "
                "over %d scans (%.0f MB/s at p50).\n",
                text.size(), text.size() / 4, __builtin_popcount(found), us[us.size() / 2], us[us.size() * 99 / 100], n,
                static_cast<double>(text.size()) / us[us.size() / 2]);
    return 0;
}
