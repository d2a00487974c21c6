// The cascade router: asks the cheapest candidate first and accepts its answer when the checks
// pass (length, refusal phrases, JSON when JSON was asked for, a finished answer, the mean token
// log-probability when the answer carries logprobs, and optionally a judge model's grade);
// otherwise the gateway escalates to the next candidate by price. The gateway runs the calls
// (sy_router_vtable.check); this plugin only ranks and judges answers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <switchyard/sdk.hpp>

namespace sy_plugins::cascade {

struct Checks {
    size_t min_chars = 1;
    size_t max_chars = 0;                 // 0 = no limit
    std::vector<std::string> refusals;    // lower-case phrases that mark a non-answer
    bool require_stop = true;             // escalate when the answer was cut (finish_reason length)
    std::optional<double> min_logprob;    // mean token logprob, when the answer has logprobs
    std::string judge_model;              // empty = no judge
    double judge_min_score = 7;           // of 10
};

class CascadeRouter final : public switchyard::Router {
public:
    CascadeRouter(const switchyard::Host& host, std::string_view config_json);

    void route(const switchyard::RequestView& request, const std::vector<switchyard::Candidate>& candidates,
               const sy_route_params& params, switchyard::Ranking& out) override;
    Check check(const switchyard::RequestView& request, std::string_view model, std::string_view answer_json,
                std::string_view judge_answer_json) override;

private:
    Check judge(const switchyard::RequestView& request, const std::string& answer, std::string_view judge_answer) const;
    Checks checks_;
};

}  // namespace sy_plugins::cascade
