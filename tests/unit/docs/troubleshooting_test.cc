// docs/troubleshooting.md names every error code the gateway can answer a client with. The scan
// reads the sources for string literals in the code position of an ApiError: the third element of
// ApiError{...} and of a brace-initialised {status, "type", "code", ...}, the code argument of
// ApiError::bad_request/upstream and of the helpers admin_error and unavailable, and the value
// of a `code = ...` assignment or default argument.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace sy::docs::test {
namespace {

namespace fs = std::filesystem;

// The source tree: SY_SOURCE_DIR (set by the sy_test helper), else the tree this test was built from.
fs::path source_dir() {
    const char* dir = std::getenv("SY_SOURCE_DIR");
    return dir ? dir : SY_TEST_SOURCE_DIR;
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The text with comments blanked out (string and character literals kept), so that a comment
// naming a code neither counts nor breaks the parsing of an argument list.
std::string strip_comments(std::string_view s) {
    std::string out(s);
    for (size_t i = 0; i < out.size(); ++i) {
        const char c = out[i];
        if (c == '"' || c == '\'') {
            for (++i; i < out.size() && out[i] != c; ++i)
                if (out[i] == '\\') ++i;
        } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '/') {
            for (; i < out.size() && out[i] != '\n'; ++i) out[i] = ' ';
        } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '*') {
            for (; i + 1 < out.size() && !(out[i] == '*' && out[i + 1] == '/'); ++i)
                if (out[i] != '\n') out[i] = ' ';
            if (i + 1 < out.size()) out[i] = out[i + 1] = ' ';
        }
    }
    return out;
}

// The top-level arguments of the list that opens at s[open] ('(' or '{'), split at commas.
std::vector<std::string> arguments(const std::string& s, size_t open) {
    std::vector<std::string> args;
    std::string cur;
    int depth = 0;
    for (size_t i = open; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '"' || c == '\'') {
            size_t j = i + 1;
            for (; j < s.size() && s[j] != c; ++j)
                if (s[j] == '\\') ++j;
            cur.append(s, i, j - i + 1);
            i = j;
            continue;
        }
        if (c == '(' || c == '{' || c == '[') {
            if (depth++ == 0) continue;
        } else if (c == ')' || c == '}' || c == ']') {
            if (--depth == 0) {
                args.push_back(cur);
                return args;
            }
        } else if (c == ',' && depth == 1) {
            args.push_back(cur);
            cur.clear();
            continue;
        }
        cur += c;
    }
    return {};  // unbalanced: not a list
}

// The string literals of an expression that look like codes (lower_snake_case).
std::vector<std::string> code_literals(std::string_view expr) {
    std::vector<std::string> out;
    for (size_t i = expr.find('"'); i != std::string_view::npos; i = expr.find('"', i + 1)) {
        size_t end = expr.find('"', i + 1);
        if (end == std::string_view::npos) break;
        std::string lit(expr.substr(i + 1, end - i - 1));
        const bool snake = !lit.empty() && std::all_of(lit.begin(), lit.end(), [](char ch) {
            return (ch >= 'a' && ch <= 'z') || ch == '_';
        });
        if (snake) out.push_back(lit);
        i = end;
    }
    return out;
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Where each code was found (the first place), by code.
using Found = std::map<std::string, std::string>;

void note(Found& found, const std::vector<std::string>& codes, const std::string& where) {
    for (const auto& c : codes) found.emplace(c, where);
}

void scan_file(const fs::path& path, const std::string& rel, Found& found) {
    const std::string s = strip_comments(read(path));
    auto where = [&](size_t pos) {
        return rel + ":" + std::to_string(1 + std::count(s.begin(), s.begin() + static_cast<long>(pos), '\n'));
    };
    // Calls whose argument `index` is the code.
    struct Call {
        std::string_view open;
        size_t index;
    };
    for (const Call& call : {Call{"ApiError{", 2}, Call{"ApiError::bad_request(", 2}, Call{"ApiError::upstream(", 2},
                             Call{"admin_error(", 1}, Call{"unavailable(", 1}}) {
        for (size_t pos = s.find(call.open); pos != std::string::npos; pos = s.find(call.open, pos + 1)) {
            if (pos > 0 && ident_char(s[pos - 1]) && call.open.front() != 'A') continue;
            auto args = arguments(s, pos + call.open.size() - 1);
            if (args.size() > call.index) note(found, code_literals(args[call.index]), where(pos));
        }
    }
    // Brace-initialised errors: {NNN, "type" ..., code, ...}, e.g. `return {429, "rate_limit_error", ...}`.
    for (size_t pos = s.find('{'); pos != std::string::npos; pos = s.find('{', pos + 1)) {
        size_t i = pos + 1;
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i + 3 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])) ||
            !std::isdigit(static_cast<unsigned char>(s[i + 1])) || !std::isdigit(static_cast<unsigned char>(s[i + 2])) ||
            s[i + 3] != ',')
            continue;
        auto args = arguments(s, pos);
        if (args.size() >= 4 && !code_literals(args[1]).empty()) note(found, code_literals(args[2]), where(pos));
    }
    // `code = ...;`: an assignment (e.code = "content_filter") or a default argument.
    for (size_t pos = s.find("code = "); pos != std::string::npos; pos = s.find("code = ", pos + 1)) {
        const bool member = pos > 0 && s[pos - 1] == '.';
        const bool default_arg = pos >= 12 && std::string_view(s).substr(pos - 12, 12) == "std::string ";
        if (!member && !default_arg) continue;  // e.g. `auto code = doc.FindMember("code")`
        size_t end = s.find_first_of(";)", pos);
        note(found, code_literals(std::string_view(s).substr(pos, end - pos)), where(pos));
    }
}

Found scan_sources() {
    Found found;
    const fs::path root = source_dir();
    for (const char* dir : {"gateway/src", "gateway/include", "plugins"}) {
        for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
            const std::string ext = entry.path().extension().string();
            if (!entry.is_regular_file() || (ext != ".cc" && ext != ".hpp" && ext != ".h")) continue;
            scan_file(entry.path(), fs::relative(entry.path(), root).string(), found);
        }
    }
    return found;
}

// Lines like `e.code = e.status == 429 ? "rate_limit_exceeded" : "upstream_error";` carry two.
TEST(ErrorCodeScanTest, ReadsEveryShapeOfErrorConstruction) {
    const fs::path tmp = fs::temp_directory_path() / "sy_docs_scan_test.cc";
    {
        std::ofstream out(tmp);
        out << R"SRC(
ApiError a() { return ApiError{403, "permission_error", "code_brace", "m (a, b)", {}, {}}; }
ApiError b() { return ApiError::bad_request("x, y", "param", "code_bad_request"); }
ApiError c() { return ApiError::upstream(f(1, 2), "m", "code_upstream"); }
ApiError d() { return {429, "rate_limit_error", "code_return_brace", "m", {}, "1"}; }
ApiError e() { return admin_error(s, s == 409 ? "code_ternary_a" : "code_ternary_b", "m"); }
void f(ApiError& e) { e.code = e.status == 429 ? "code_assigned_a" : "code_assigned_b"; }
ApiError h(std::string code = "code_default");
void i(const Value& v) { auto code = v.FindMember("code"); }
// ApiError{400, "invalid_request_error", "code_in_comment", "m", {}, {}}
ApiError g() { return ApiError::bad_request("no code given"); }
)SRC";
    }
    Found found;
    scan_file(tmp, "scan.cc", found);
    fs::remove(tmp);
    std::set<std::string> codes;
    for (const auto& [code, where] : found) codes.insert(code);
    EXPECT_EQ(codes, (std::set<std::string>{"code_brace", "code_bad_request", "code_upstream", "code_return_brace",
                                            "code_ternary_a", "code_ternary_b", "code_assigned_a",
                                            "code_assigned_b", "code_default"}));
}

TEST(TroubleshootingDocTest, NamesEveryErrorCodeTheGatewayAnswers) {
    const Found found = scan_sources();
    // Measured when the page was written: 45 distinct codes. Far fewer means the scan broke.
    EXPECT_GE(found.size(), 40u) << "the scan found too few error codes; did the patterns stop matching?";
    const std::string doc = read(source_dir() / "docs/troubleshooting.md");
    ASSERT_FALSE(doc.empty()) << "docs/troubleshooting.md is missing";
    for (const auto& [code, where] : found)
        EXPECT_NE(doc.find("`" + code + "`"), std::string::npos)
            << "error code `" << code << "` (" << where << ") is not in docs/troubleshooting.md";
}

// The codes the factories of ApiError hard-code, named here so a broken scan cannot miss them.
TEST(TroubleshootingDocTest, ScanFindsTheFactoryCodes) {
    const Found found = scan_sources();
    for (const char* code : {"invalid_request", "model_not_found", "invalid_api_key", "request_too_large",
                             "internal_error", "upstream_error", "rate_limit_exceeded", "budget_exceeded",
                             "content_filter", "method_not_allowed"})
        EXPECT_TRUE(found.contains(code)) << code;
}

}  // namespace
}  // namespace sy::docs::test
