// The detector corpus (tests/fixtures/pii/corpus.tsv) and its scores: per kind, the texts that
// hold it and the clean near-misses, run through detect_pii. Shared by the unit test and the
// privacy benchmark.
#pragma once

#include <array>
#include <fstream>
#include <string>
#include <vector>

#include "policy/pii_detector.hpp"

namespace sy::policy {

struct CorpusLine {
    std::string kind;
    bool holds = false;
    std::string text;
};

inline std::vector<CorpusLine> read_corpus(const std::string& path) {
    std::vector<CorpusLine> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        size_t a = line.find('\t'), b = line.find('\t', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1) == "1", line.substr(b + 1)});
    }
    return out;
}

struct KindScore {
    int true_positives = 0, false_negatives = 0, false_positives = 0, clean = 0;
    double precision() const {
        return true_positives + false_positives ? double(true_positives) / (true_positives + false_positives) : 1.0;
    }
    double recall() const {
        return true_positives + false_negatives ? double(true_positives) / (true_positives + false_negatives) : 1.0;
    }
};

// A positive line counts for its kind when detect_pii finds that kind; a negative line is a
// false positive of every kind found in it.
inline std::array<KindScore, kPiiKinds> score(const std::vector<CorpusLine>& corpus,
                                              std::vector<std::string>* misses = nullptr) {
    std::array<KindScore, kPiiKinds> out{};
    for (const CorpusLine& l : corpus) {
        uint32_t found = detect_pii(l.text);
        int kind = -1;
        for (int k = 0; k < kPiiKinds; ++k)
            if (l.kind == pii_kind_name(static_cast<PiiKind>(k))) kind = k;
        if (kind < 0) continue;
        if (l.holds) {
            bool hit = found & (1u << kind);
            (hit ? out[kind].true_positives : out[kind].false_negatives)++;
            if (!hit && misses) misses->push_back("missed: " + l.text);
        } else {
            out[kind].clean++;
            for (int k = 0; k < kPiiKinds; ++k)
                if (found & (1u << k)) {
                    out[k].false_positives++;
                    if (misses) misses->push_back(std::string("false ") + pii_kind_name(static_cast<PiiKind>(k)) + ": " + l.text);
                }
        }
    }
    return out;
}

}  // namespace sy::policy
