#pragma once
// The file `scalelab run --follow` writes (follow.json), read back in plain values, and what the diagram draws
// of a followed request: the edges its messages went along, in order, each with what happened at its end.
// {"follow": "1000", "unit": "seconds", "requests": [{"index": 1000, "type": "get_user", "sent": 1.2,
//  "answered": 1.21, "response_time": 0.0093, "outcome": "ok", "hops": [{"service": "lb", "kind":
//  "load_balancer", "instance": 0, "host": "lb", "message": "request", "left": ..., "arrived": ...,
//  "began": ..., "finished": ..., "travel": ..., "wait": ..., "served": ...}, ...]}]}
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::gui
{

struct FollowHop {
  std::string service; // a node id of the diagram: the service, or "(users)"
  std::string kind;
  std::string host;
  int instance = 0;
  bool reply = false;                      // brought there by a reply (else by a request)
  double travel = 0, wait = 0, served = 0; // seconds
};

struct FollowPath {
  std::uint64_t index = 0;
  std::string type, outcome;
  double sent = 0;
  std::optional<double> response_time; // none: not answered by the end of the run
  std::vector<FollowHop> hops;
};

// Nothing when the text is not a follow.json (error says why).
std::optional<std::vector<FollowPath>> read_follow(const std::string& json_text, std::string& error);

// One message of the path: along the diagram's edge from `from` to `to` (node ids), to hops[hop].
struct FollowStep {
  std::string from, to;
  std::size_t hop = 0;
  bool reply = false;
};
// The path's messages in order; the first leaves the users.
std::vector<FollowStep> follow_steps(const FollowPath& path);

// "net 0.1 ms · wait 0.4 ms · served 4.0 ms": what the hop's message and stay took.
std::string hop_label(const FollowHop& hop);
// "request 1000 (get_user): ok in 9.3 ms = net 0.6 ms + wait 0.4 ms + served 8.3 ms"
std::string follow_summary(const FollowPath& path);

} // namespace scalelab::gui
