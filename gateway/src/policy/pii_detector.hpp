// Kinds of personal data in a prompt, found by hand-written linear scanners (no regex engine):
// policies use them to keep such prompts on local models, and logs redact them.
//
// Rules (word-bounded; tuned against false positives in prose and code):
//   email        local@domain.tld, TLD of 2+ letters
//   phone        +CC followed by 8-15 digits with single separators (space . - ( )), or the
//                North-American (415) 555-2671 / 415-555-2671 / 415.555.2671 forms
//   credit_card  13-19 digits (optionally grouped by single spaces or dashes) with a known
//                issuer prefix that pass the Luhn check
//   iban         CC + 2 check digits + 11-30 alphanumerics (optionally grouped by spaces),
//                ISO 13616 mod-97 checked
//   secret       sk-/sk_live_/sk_test_/rk_live_, AKIA (AWS), ghp_/gho_/ghs_/github_pat_,
//                xox[abpr]- (Slack), AIza (Google) tokens, and PEM private keys
//   national_id  US SSN ddd-dd-dddd (valid area/group/serial), UK National Insurance numbers
//   ip_address   IPv4 dotted quads (octets 0..255, not inside a longer dotted run) and IPv6
//                (hex groups, 8 of them or compressed with "::"; MAC addresses excluded)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <switchyard/config.hpp>

namespace sy::policy {

enum class PiiKind : uint8_t { email, phone, credit_card, iban, secret, national_id, ip_address };
constexpr int kPiiKinds = 7;
static_assert(config::kPiiKindNames.size() == kPiiKinds, "config names every detector kind");

const char* pii_kind_name(PiiKind k);

// Bit set of the kinds found in text (bit i = PiiKind i). Scans at most max_bytes.
uint32_t detect_pii(std::string_view text, size_t max_bytes = 256 * 1024);

// Where each match is: [begin, end) in text.
struct PiiMatch {
    PiiKind kind;
    size_t begin, end;
};
std::vector<PiiMatch> find_pii(std::string_view text, size_t max_bytes = 256 * 1024);

// The text with every match replaced by its kind in brackets ("mail [email] now"); `kinds`
// gets the bit set of what was replaced. Overlapping matches are replaced once.
std::string redact_pii(std::string_view text, uint32_t* kinds = nullptr);

}  // namespace sy::policy
