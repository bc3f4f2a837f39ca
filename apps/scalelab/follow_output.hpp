#pragma once
// scalelab run --follow: the option's value and the file follow.json.
#include "scalelab/sim/simulation.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace scalelab::cli
{

// "N": the N-th request the users send (from 1); "every:K": the K-th, 2K-th, ... (at most 1000 of them);
// "every:K:M": at most M. Nothing when the value is not one of these.
std::optional<sim::FollowOptions> parse_follow(const std::string& value);

// follow.json: the option as given, then each followed request with its hops.
nlohmann::ordered_json follow_json(const std::string& option, const std::vector<sim::FollowedRequest>& followed);

// A few lines for the terminal: each followed request's hops (the first few requests only).
std::string follow_summary(const std::vector<sim::FollowedRequest>& followed, std::size_t at_most);

} // namespace scalelab::cli
