#include "scalelab/real/replay_lag.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace scalelab::real
{

double nearest_rank(const std::vector<double>& sorted, double q)
{
  if (sorted.empty())
    return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

LagSummary summarise_lags(std::vector<double> samples)
{
  LagSummary s;
  std::sort(samples.begin(), samples.end());
  for (const double x : samples)
    s.mean += x;
  s.samples = samples.size();
  if (s.samples > 0) {
    s.mean /= static_cast<double>(s.samples);
    s.max = samples.back();
  }
  s.p99 = nearest_rank(samples, 0.99);
  return s;
}

ReplayLagSampler::ReplayLagSampler(const Stack& stack)
{
  for (const auto& service : stack.services) {
    const bool replicated = std::any_of(service.instances.begin(), service.instances.end(),
                                        [](const Endpoint& e) { return e.role == "replica"; });
    if (!replicated)
      continue;
    for (const auto& e : service.instances)
      if (e.role == "primary")
        primaries_.push_back(e);
  }
}

void ReplayLagSampler::sample()
{
  for (const Endpoint& e : primaries_) {
    std::string error;
    PGconn* c = sessions_.get(e, error);
    if (!c) {
      if (error_.empty())
        error_ = error;
      continue;
    }
    PGresult* r = PQexec(c, "SELECT extract(epoch FROM replay_lag) FROM pg_stat_replication "
                            "WHERE replay_lag IS NOT NULL");
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      for (int row = 0; row < PQntuples(r); ++row)
        samples_.push_back(std::strtod(PQgetvalue(r, row, 0), nullptr));
    } else if (error_.empty()) {
      error_ = e.name + ": " + PQresultErrorMessage(r);
    }
    PQclear(r);
  }
}

} // namespace scalelab::real
