#include "server/savings_days.hpp"

#include <chrono>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sy::server {

SavingsDays& SavingsDays::instance() {
    static SavingsDays days;
    return days;
}

void SavingsDays::add(const std::string& day, std::string_view model, int64_t baseline_nano, int64_t cost_nano) {
    std::lock_guard lock(mu_);
    Day& d = days_[day];
    ++d.requests;
    auto it = d.models.find(model);
    if (it == d.models.end()) it = d.models.emplace(std::string(model), 0).first;
    ++it->second;
    if (baseline_nano >= 0 && cost_nano >= 0) {
        ++d.compared;
        d.baseline_nano += baseline_nano;
        d.cost_nano += cost_nano;
    }
    while (days_.size() > kDays) days_.erase(days_.begin());
}

void SavingsDays::add_now(std::string_view model, int64_t baseline_nano, int64_t cost_nano) {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    thread_local std::time_t formatted_day = -1;  // every request names its day: once a day per thread
    thread_local char day[16];
    if (t / 86400 != formatted_day) {
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
        formatted_day = t / 86400;
    }
    add(day, model, baseline_nano, cost_nano);
}

std::string SavingsDays::json() const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    auto usd = [&w](const char* key, int64_t nano) {
        w.Key(key);
        w.Double(static_cast<double>(nano) / 1e9);
    };
    w.StartObject();
    w.Key("days");
    w.StartArray();
    std::lock_guard lock(mu_);
    for (auto it = days_.rbegin(); it != days_.rend(); ++it) {
        const Day& d = it->second;
        w.StartObject();
        w.Key("day");
        w.String(it->first.c_str());
        w.Key("requests");
        w.Int64(d.requests);
        w.Key("models");
        w.StartObject();
        for (const auto& [model, n] : d.models) {
            w.Key(model.c_str());
            w.Int64(n);
        }
        w.EndObject();
        w.Key("compared");
        w.Int64(d.compared);
        usd("baseline_usd", d.baseline_nano);
        usd("cost_usd", d.cost_nano);
        usd("saved_usd", d.baseline_nano - d.cost_nano);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {sb.GetString(), sb.GetSize()};
}

}  // namespace sy::server
