#include "config/yaml_documents.hpp"

#include <sstream>
#include <vector>

#include "config/node_reader.hpp"

namespace sy::config {
namespace {

// Records where each document starts; the rest of the events are not needed.
class DocumentStarts final : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;

    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

bool same_place(const YAML::Mark& a, const YAML::Mark& b) { return a.pos == b.pos && a.line == b.line && a.column == b.column; }

}  // namespace

bool load_one_document(std::string_view text, YAML::Node& root, std::string& error) {
    std::string copy(text);
    std::istringstream in(copy);
    YAML::Parser parser(in);
    DocumentStarts docs;
    for (size_t n = 1; parser.HandleNextDocument(docs); ++n) {
        if (docs.starts.size() != n || (n >= 2 && same_place(docs.starts[n - 1], docs.starts[n - 2]))) {
            error = "invalid YAML: the parser cannot read past this point" +
                    (docs.starts.empty() ? std::string() : describe_mark(docs.starts.back()));
            return false;
        }
    }
    if (docs.starts.size() > 1) {
        error = "expected one YAML document, found " + std::to_string(docs.starts.size()) + describe_mark(docs.starts[1]);
        return false;
    }
    root = YAML::Load(copy);
    return true;
}

}  // namespace sy::config
