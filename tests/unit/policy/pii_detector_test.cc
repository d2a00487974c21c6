// The personal-data scanners: each kind found where it is (exact spans), prose and code that
// only look similar left alone, and redaction that replaces exactly the matches.
#include <gtest/gtest.h>

#include <cstdlib>

#include "pii_corpus.hpp"
#include "policy/pii_detector.hpp"

namespace sy::policy {
namespace {

uint32_t bit(PiiKind k) { return 1u << static_cast<int>(k); }

struct Case {
    const char* text;
    PiiKind kind;
    const char* match;  // the exact text the match covers
};

TEST(PiiDetectorTest, FindsEachKindWithItsExactSpan) {
    const Case cases[] = {
        {"write to jane.doe+x@mail.example.com today", PiiKind::email, "jane.doe+x@mail.example.com"},
        {"call +44 20 7946 0958 now", PiiKind::phone, "+44 20 7946 0958"},
        {"or (415) 555-2671.", PiiKind::phone, "(415) 555-2671"},
        {"card 4111 1111 1111 1111 exp", PiiKind::credit_card, "4111 1111 1111 1111"},
        {"iban DE89 3704 0044 0532 0130 00 ok", PiiKind::iban, "DE89 3704 0044 0532 0130 00"},
        {"key sk-abcdefghijklmnopqrstuvwx1234 leaked", PiiKind::secret, "sk-abcdefghijklmnopqrstuvwx1234"},
        {"aws AKIAIOSFODNN7EXAMPLE here", PiiKind::secret, "AKIAIOSFODNN7EXAMPLE"},
        {"ssn 123-45-6789 on file", PiiKind::national_id, "123-45-6789"},
        {"NI AB 12 34 56 C given", PiiKind::national_id, "AB 12 34 56 C"},
        {"x -----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY----- y", PiiKind::secret,
         "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"},
    };
    for (const Case& c : cases) {
        std::string_view t = c.text;
        EXPECT_EQ(detect_pii(t), bit(c.kind)) << c.text;
        std::vector<PiiMatch> m = find_pii(t);
        ASSERT_EQ(m.size(), 1u) << c.text;
        EXPECT_EQ(m[0].kind, c.kind) << c.text;
        EXPECT_EQ(t.substr(m[0].begin, m[0].end - m[0].begin), c.match) << c.text;
    }
}

TEST(PiiDetectorTest, LeavesLookAlikesAlone) {
    for (const char* text : {"version 1.2.3-4, port 8080, 2026-11-27", "a@b", "@mention in a tweet",
                             "4111 1111 1111 1112 fails Luhn", "sk-short", "000-12-3456 is no SSN",
                             "x = call(415) + 555"})
        EXPECT_EQ(detect_pii(text), 0u) << text;
}

TEST(PiiDetectorTest, RedactsEveryMatchAndReportsTheKinds) {
    uint32_t kinds = 0;
    std::string out = redact_pii("mail a.b@example.org or +1 415 555 2671, card 4111-1111-1111-1111.", &kinds);
    EXPECT_EQ(out, "mail [email] or [phone], card [credit_card].");
    EXPECT_EQ(kinds, bit(PiiKind::email) | bit(PiiKind::phone) | bit(PiiKind::credit_card));
    EXPECT_EQ(redact_pii("nothing here"), "nothing here");
    EXPECT_EQ(redact_pii(""), "");
}

TEST(PiiDetectorTest, TheCorpusIsClassifiedWithoutAMistake) {
    const char* root = std::getenv("SY_SOURCE_DIR");
    std::vector<CorpusLine> corpus = read_corpus(std::string(root ? root : SY_TEST_SOURCE_DIR) + "/tests/fixtures/pii/corpus.tsv");
    ASSERT_GE(corpus.size(), 70u);
    std::vector<std::string> misses;
    auto scores = score(corpus, &misses);
    for (int k = 0; k < kPiiKinds; ++k) {
        EXPECT_GE(scores[k].true_positives, 4) << pii_kind_name(static_cast<PiiKind>(k)) << ": the corpus covers every kind";
        EXPECT_GE(scores[k].clean, 5) << pii_kind_name(static_cast<PiiKind>(k)) << ": and near-misses for it";
    }
    EXPECT_TRUE(misses.empty()) << misses.size() << " mistakes, first: " << misses.front();
}

TEST(PiiDetectorTest, FindsIpAddressesButNotVersionsTimesOrMacs) {
    EXPECT_EQ(detect_pii("from 10.1.2.3 and 2001:db8::1"), bit(PiiKind::ip_address));
    std::vector<PiiMatch> m = find_pii("v6 fe80::1ff:fe23:4567:890a here");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(std::string_view("v6 fe80::1ff:fe23:4567:890a here").substr(m[0].begin, m[0].end - m[0].begin),
              "fe80::1ff:fe23:4567:890a");
    for (const char* text : {"1.2.3.4.5", "256.0.0.1", "01.2.3.4", "00:1a:2b:3c:4d:5e", "12:30:45", "a::b::c"})
        EXPECT_EQ(detect_pii(text), 0u) << text;
}

}  // namespace
}  // namespace sy::policy
