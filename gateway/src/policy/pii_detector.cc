#include "policy/pii_detector.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>

namespace sy::policy {
namespace {

// Character classes by table: the scan tests every byte of every prompt.
enum : uint8_t { kDigit = 1, kLower = 2, kUpper = 4, kHex = 8, kSecretStart = 16 };
constexpr std::array<uint8_t, 256> kClasses = [] {
    std::array<uint8_t, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = kDigit | kHex;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = kLower | (c <= 'f' ? kHex : 0);
    for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = kUpper | (c <= 'F' ? kHex : 0);
    for (char c : {'s', 'r', 'g', 'A', 'x'}) t[static_cast<unsigned char>(c)] |= kSecretStart;  // see maybe_secret
    return t;
}();
uint8_t classes(char c) { return kClasses[static_cast<unsigned char>(c)]; }
bool digit(char c) { return classes(c) & kDigit; }
bool alpha(char c) { return classes(c) & (kLower | kUpper); }
bool upper(char c) { return classes(c) & kUpper; }
bool alnum(char c) { return classes(c) != 0; }
uint32_t bit(PiiKind k) { return 1u << static_cast<int>(k); }

// True when position i starts a word (nothing alphanumeric before it).
bool word_start(std::string_view t, size_t i) { return i == 0 || !alnum(t[i - 1]); }
bool word_end(std::string_view t, size_t i) { return i >= t.size() || !alnum(t[i]); }
// The end of the word (letters and digits) that goes on at i.
size_t end_of_word(std::string_view t, size_t i) {
    while (i < t.size() && alnum(t[i])) ++i;
    return i;
}

// ---------------------------------------------------------------- email
bool local_char(char c) { return alnum(c) || std::strchr("._%+-", c) != nullptr; }

// An email around the '@' at `at`: [begin, end).
bool email_at(std::string_view t, size_t at, size_t& begin, size_t& end) {
    size_t l = at;
    while (l > 0 && local_char(t[l - 1])) --l;
    if (l == at) return false;
    begin = l;
    size_t i = at + 1, labels = 0, last_label_start = i;
    bool tld_alpha = false;
    while (i < t.size()) {
        size_t start = i;
        while (i < t.size() && (alnum(t[i]) || t[i] == '-')) ++i;
        if (i == start) break;
        ++labels;
        last_label_start = start;
        if (i < t.size() && t[i] == '.' && i + 1 < t.size() && alnum(t[i + 1])) {
            ++i;
            continue;
        }
        break;
    }
    if (labels < 2) return false;
    tld_alpha = i - last_label_start >= 2;
    for (size_t k = last_label_start; k < i && tld_alpha; ++k) tld_alpha = alpha(t[k]);
    end = i;
    return tld_alpha;
}

// ---------------------------------------------------------------- digit runs
// Collects digits from i allowing single separators from `seps`; stops at anything else.
// Returns the end position; digits go to out (at most cap).
size_t digit_run(std::string_view t, size_t i, const char* seps, std::string& out, size_t cap) {
    out.clear();
    size_t end = i;
    while (i < t.size() && out.size() <= cap) {
        if (digit(t[i])) {
            out.push_back(t[i]);
            end = ++i;
        } else if (std::strchr(seps, t[i]) && !out.empty() && i + 1 < t.size() &&
                   (digit(t[i + 1]) || (t[i] == ')' && t[i + 1] == ' '))) {
            ++i;
        } else {
            break;
        }
    }
    return end;
}

bool luhn(const std::string& d) {
    int sum = 0;
    bool dbl = false;
    for (size_t i = d.size(); i-- > 0;) {
        int v = d[i] - '0';
        if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

// A known issuer's prefix with that issuer's length: Visa 13/16/19, Mastercard 16, Amex 15,
// Discover 16-19.
bool card_prefix(const std::string& d) {
    auto pre = [&](int n) { return std::stoi(d.substr(0, static_cast<size_t>(n))); };
    const size_t n = d.size();
    if (d[0] == '4') return n == 13 || n == 16 || n == 19;
    int two = pre(2), four = pre(4);
    if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return n == 16;
    if (two == 34 || two == 37) return n == 15;
    return (four == 6011 || two == 65) && n >= 16;
}

bool card_at(std::string_view t, size_t i, size_t& end) {
    std::string d;
    end = digit_run(t, i, " -", d, 19);
    if (!word_end(t, end) || d.size() < 13 || d.size() > 19) return false;
    return card_prefix(d) && luhn(d);
}

// +CC ... international, or NANP with separators.
bool phone_at(std::string_view t, size_t i, size_t& end) {
    std::string d;
    if (t[i] == '+') {
        if (i + 1 >= t.size() || !digit(t[i + 1])) return false;
        end = digit_run(t, i + 1, " .-()", d, 15);
        return d.size() >= 8 && d.size() <= 15 && word_end(t, end);
    }
    // (415) 555-2671 | 415-555-2671 | 415.555.2671
    size_t j = i;
    bool paren = t[j] == '(';
    if (paren) ++j;
    auto take = [&](size_t n) {
        for (size_t k = 0; k < n; ++k, ++j)
            if (j >= t.size() || !digit(t[j])) return false;
        return true;
    };
    if (!take(3)) return false;
    char sep;
    if (paren) {
        if (j >= t.size() || t[j] != ')') return false;
        ++j;
        if (j < t.size() && t[j] == ' ') ++j;
        sep = '-';
    } else {
        if (j >= t.size() || (t[j] != '-' && t[j] != '.')) return false;
        sep = t[j++];
    }
    if (!take(3)) return false;
    if (j >= t.size() || (t[j] != sep && !(paren && t[j] == '-'))) return false;
    ++j;
    if (!take(4)) return false;
    end = j;
    return word_end(t, end);
}

// ---------------------------------------------------------------- IBAN
bool iban_at(std::string_view t, size_t i, size_t& end) {
    if (i + 4 > t.size() || !upper(t[i]) || !upper(t[i + 1]) || !digit(t[i + 2]) || !digit(t[i + 3])) return false;
    std::string s;
    size_t j = i;
    while (j < t.size() && s.size() <= 34) {
        if (alnum(t[j])) {
            s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(t[j]))));
            ++j;
        } else if (t[j] == ' ' && j + 1 < t.size() && alnum(t[j + 1]) && s.size() % 4 == 0) {
            ++j;
        } else {
            break;
        }
    }
    end = j;
    if (s.size() < 15 || s.size() > 34 || !word_end(t, end)) return false;
    std::string moved = s.substr(4) + s.substr(0, 4);
    int rem = 0;
    for (char c : moved) {
        int v = digit(c) ? c - '0' : c - 'A' + 10;
        rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
    }
    return rem == 1;
}

// ---------------------------------------------------------------- secrets
size_t token_len(std::string_view t, size_t i, const char* extra) {
    size_t j = i;
    while (j < t.size() && (alnum(t[j]) || std::strchr(extra, t[j]))) ++j;
    return j - i;
}

// The first two letters of every known secret prefix: most words fail here.
bool maybe_secret(std::string_view t, size_t i) {
    if (!(classes(t[i]) & kSecretStart)) return false;
    const char a = t[i], b = i + 1 < t.size() ? t[i + 1] : '\0';
    return ((a == 's' || a == 'r') && b == 'k') || (a == 'g' && (b == 'h' || b == 'i')) ||
           (a == 'A' && (b == 'K' || b == 'I')) || (a == 'x' && b == 'o');
}

bool secret_at(std::string_view t, size_t i, size_t& end) {
    if (!maybe_secret(t, i)) return false;
    std::string_view rest = t.substr(i);
    struct Prefix {
        const char* p;
        size_t min;
        const char* chars;
    };
    static const Prefix prefixes[] = {{"sk_live_", 16, "_"}, {"sk_test_", 16, "_"}, {"rk_live_", 16, "_"},
                                      {"sk-", 20, "_-"},     {"ghp_", 20, "_"},     {"gho_", 20, "_"},
                                      {"ghs_", 20, "_"},     {"github_pat_", 20, "_"}, {"AIza", 35, "_-"}};
    for (const auto& p : prefixes) {
        size_t n = std::strlen(p.p);
        if (rest.substr(0, n) != p.p) continue;
        size_t len = token_len(t, i + n, p.chars);
        if (len < p.min) continue;
        end = i + n + len;
        return true;
    }
    if (rest.substr(0, 4) == "AKIA" && rest.size() >= 20) {
        size_t k = 4;
        while (k < 20 && (upper(rest[k]) || digit(rest[k]))) ++k;
        if (k == 20 && word_end(t, i + 20)) {
            end = i + 20;
            return true;
        }
    }
    if (rest.size() > 5 && rest.substr(0, 3) == "xox" && std::strchr("abpr", rest[3]) && rest[4] == '-') {
        size_t len = token_len(t, i + 5, "-");
        end = i + 5 + len;
        return len >= 10;
    }
    return false;
}

// A PEM private key: from its BEGIN line to the end of its END line (or of the text).
bool private_key_in(std::string_view t, size_t& begin, size_t& end) {
    begin = t.find("-----BEGIN ");
    if (begin == std::string_view::npos) return false;
    size_t marker = t.find("PRIVATE KEY-----", begin);
    if (marker == std::string_view::npos) return false;
    size_t close = t.find("-----END ", marker);
    size_t close_end = close == std::string_view::npos ? std::string_view::npos : t.find("-----", close + 9);
    end = close_end == std::string_view::npos ? t.size() : close_end + 5;
    return true;
}

// ---------------------------------------------------------------- IP addresses
bool hex_digit(char c) { return classes(c) & kHex; }

// Dotted quad with octets 0..255 (no leading zeros), not part of a longer dotted run such as a
// version number "1.2.3.4.5".
bool ipv4_at(std::string_view t, size_t i, size_t& end) {
    if (i > 0 && t[i - 1] == '.') return false;
    size_t j = i;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (j >= t.size() || t[j] != '.') return false;
            ++j;
        }
        size_t start = j;
        int value = 0;
        while (j < t.size() && digit(t[j]) && j - start < 4) value = value * 10 + (t[j++] - '0');
        size_t len = j - start;
        if (len == 0 || len > 3 || value > 255 || (len > 1 && t[start] == '0')) return false;
    }
    if (j < t.size() && (alnum(t[j]) || (t[j] == '.' && j + 1 < t.size() && digit(t[j + 1])))) return false;
    end = j;
    return true;
}

// Hex groups of 1-4 digits joined by ':' (with at most one "::"): 8 groups, or fewer around a
// "::"; with a decimal digit somewhere (C++ names such as ab::cd have none). Six 2-digit groups
// are a MAC address, not an IP.
bool ipv6_at(std::string_view t, size_t i, size_t& end) {
    if (i > 0 && t[i - 1] == ':') return false;  // inside a longer colon run (C++ a::b::c)
    size_t k = i;  // most words fail here: no ':' after their first hex digits
    while (k < t.size() && k - i < 5 && hex_digit(t[k])) ++k;
    if (k >= t.size() || t[k] != ':') return false;
    size_t j = i, groups = 0, colons = 0;
    bool compressed = false, all_two = true, decimal = false;
    while (j < t.size()) {
        size_t start = j;
        for (; j < t.size() && hex_digit(t[j]) && j - start < 5; ++j)
            if (digit(t[j])) decimal = true;
        size_t len = j - start;
        if (len > 4) return false;
        if (len > 0) {
            ++groups;
            all_two = all_two && len == 2;
        }
        if (j + 1 < t.size() && t[j] == ':' && t[j + 1] == ':') {
            if (compressed) return false;
            compressed = true;
            colons += 2;
            j += 2;
        } else if (j + 1 < t.size() && t[j] == ':' && hex_digit(t[j + 1]) && len > 0) {
            ++colons;
            ++j;
        } else {
            break;
        }
    }
    if (groups == 0 || groups > 8 || (!compressed && (groups != 8 || colons != 7)) || colons < 2 || !decimal) return false;
    if (!compressed && all_two && groups == 6) return false;
    if (j < t.size() && (alnum(t[j]) || t[j] == ':')) return false;
    end = j;
    return true;
}

// ---------------------------------------------------------------- national ids
bool ssn_at(std::string_view t, size_t i) {
    if (i + 11 > t.size() || !word_end(t, i + 11)) return false;
    for (size_t k : {0, 1, 2, 4, 5, 7, 8, 9, 10})
        if (!digit(t[i + k])) return false;
    if (t[i + 3] != '-' || t[i + 6] != '-') return false;
    int area = std::stoi(std::string(t.substr(i, 3)));
    int group = std::stoi(std::string(t.substr(i + 4, 2)));
    int serial = std::stoi(std::string(t.substr(i + 7, 4)));
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

bool nino_at(std::string_view t, size_t i, size_t& end) {
    if (i + 3 > t.size() || !upper(t[i + 1]) || !(digit(t[i + 2]) || t[i + 2] == ' ')) return false;
    std::string s;
    size_t j = i;
    while (j < t.size() && s.size() < 9) {
        if (alnum(t[j])) s.push_back(t[j++]);
        else if (t[j] == ' ' && (s.size() == 2 || s.size() == 4 || s.size() == 6 || s.size() == 8)) ++j;
        else break;
    }
    if (s.size() != 9 || !word_end(t, j)) return false;
    end = j;
    if (!upper(s[0]) || !upper(s[1]) || std::strchr("DFIQUV", s[0]) || std::strchr("DFIOQUV", s[1])) return false;
    for (int k = 2; k < 8; ++k)
        if (!digit(s[static_cast<size_t>(k)])) return false;
    return s[8] >= 'A' && s[8] <= 'D';
}

// The checks for a number at i ('+', '(' or a digit), in order; false when on() says stop.
template <typename OnMatch>
bool number_at(std::string_view t, size_t i, OnMatch& on) {
    const char c = t[i];
    size_t end = i;
    if (digit(c) && card_at(t, i, end)) return on(PiiKind::credit_card, i, end);
    if (digit(c) && ipv4_at(t, i, end)) return on(PiiKind::ip_address, i, end);
    if (digit(c) && ipv6_at(t, i, end)) return on(PiiKind::ip_address, i, end);
    if (phone_at(t, i, end)) return on(PiiKind::phone, i, end);
    if (digit(c) && ssn_at(t, i)) return on(PiiKind::national_id, i, i + 11);
    return true;
}

// The checks for a word [i, e) that starts with a letter; false when on() says stop. The
// inline tests are each check's first condition, so most words call none of them.
template <typename OnMatch>
bool word_at(std::string_view t, size_t i, size_t e, OnMatch& on) {
    size_t end = i;
    if (upper(t[i]) && i + 1 < t.size() && upper(t[i + 1])) {  // iban_at and nino_at need both
        if (iban_at(t, i, end)) {
            if (!on(PiiKind::iban, i, end)) return false;
        } else if (nino_at(t, i, end) && !on(PiiKind::national_id, i, end)) {
            return false;
        }
    }
    if (maybe_secret(t, i) && secret_at(t, i, end)) return on(PiiKind::secret, i, end);
    // ipv6_at needs hex digits up to a ':', which ends the word
    if (e < t.size() && t[e] == ':' && hex_digit(t[i]) && ipv6_at(t, i, end)) return on(PiiKind::ip_address, i, end);
    return true;
}

// Calls on(kind, begin, end) for every match, left to right (an email is reported at its '@',
// after what precedes it); stops when on returns false. Nothing starts inside a word: each
// word is checked at its first character and skipped.
template <typename OnMatch>
void scan(std::string_view t, OnMatch on) {
    size_t kb = 0, ke = 0;
    if (private_key_in(t, kb, ke) && !on(PiiKind::secret, kb, ke)) return;
    const size_t n = t.size();
    for (size_t i = 0; i < n; ++i) {
        const char c = t[i];
        if (c == '@') {
            size_t begin = i, end = i;
            if (email_at(t, i, begin, end) && !on(PiiKind::email, begin, end)) return;
            continue;
        }
        const bool starts = word_start(t, i);
        if (!alnum(c) && c != '+' && !(c == '(' && starts)) continue;
        if (!starts && c != '+') {  // inside a word (after a number's digits): skip its rest
            i = end_of_word(t, i) - 1;
            continue;
        }
        if (c == '+' || c == '(' || digit(c)) {
            if (!number_at(t, i, on)) return;
            // skip the rest of this digit run so its inner positions are not rescanned
            while (i + 1 < n && digit(t[i + 1])) ++i;
            continue;
        }
        const size_t e = end_of_word(t, i);
        if (!word_at(t, i, e, on)) return;
        i = e - 1;
    }
}

}  // namespace

const char* pii_kind_name(PiiKind k) {
    auto i = static_cast<size_t>(k);
    return i < config::kPiiKindNames.size() ? config::kPiiKindNames[i].data() : "unknown";
}

uint32_t detect_pii(std::string_view text, size_t max_bytes) {
    constexpr uint32_t kAll = (1u << kPiiKinds) - 1;
    uint32_t found = 0;
    scan(text.substr(0, std::min(text.size(), max_bytes)), [&](PiiKind k, size_t, size_t) {
        found |= bit(k);
        return found != kAll;
    });
    return found;
}

std::vector<PiiMatch> find_pii(std::string_view text, size_t max_bytes) {
    std::vector<PiiMatch> out;
    scan(text.substr(0, std::min(text.size(), max_bytes)), [&](PiiKind k, size_t b, size_t e) {
        out.push_back({k, b, e});
        return true;
    });
    return out;
}

std::string redact_pii(std::string_view text, uint32_t* kinds) {
    std::vector<PiiMatch> found = find_pii(text, text.size());
    std::sort(found.begin(), found.end(), [](const PiiMatch& a, const PiiMatch& b) { return a.begin < b.begin; });
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    uint32_t seen = 0;
    for (const PiiMatch& m : found) {
        if (m.end <= pos) continue;  // inside a match already redacted
        out.append(text.substr(pos, m.begin > pos ? m.begin - pos : 0));
        out.append("[").append(pii_kind_name(m.kind)).append("]");
        pos = m.end;
        seen |= bit(m.kind);
    }
    out.append(text.substr(std::min(pos, text.size())));
    if (kinds) *kinds = seen;
    return out;
}

}  // namespace sy::policy
