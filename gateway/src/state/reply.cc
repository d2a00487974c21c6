#include <switchyard/state_store.hpp>

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

#include <charconv>

namespace sy::state {

int64_t Reply::int_at(size_t i) const {
    if (i >= elements.size()) return 0;
    const Reply& e = elements[i];
    if (e.type == Type::integer) return e.integer;
    if (e.type == Type::string) {
        int64_t v = 0;
        std::from_chars(e.str.data(), e.str.data() + e.str.size(), v);
        return v;
    }
    return 0;
}

std::string_view Reply::str_at(size_t i) const {
    if (i >= elements.size() || elements[i].type != Type::string) return {};
    return elements[i].str;
}

Script::Script(std::string name_, std::string source_) : name(std::move(name_)), source(std::move(source_)) {
    Poco::SHA1Engine sha;
    sha.update(source);
    sha1 = Poco::DigestEngine::digestToHex(sha.digest());
}

}  // namespace sy::state
