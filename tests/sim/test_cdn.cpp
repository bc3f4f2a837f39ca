// The CDN edge (kind: cdn, docs/cdn.md) in whole simulations: its hit ratio emerges from the keys and the TTL,
// and agrees with the TTL cache formula lambda T / (1 + lambda T) per key (Jung, Berger and Balakrishnan,
// INFOCOM 2003); the origin sees only the misses and the uncacheable requests. Each test runs one simulation in
// its own process.
#include "sim_support.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace scalelab;
using scalelab::testing::run_yaml;
using scalelab::testing::seed_or;
using scalelab::testing::service;

namespace
{

// Users -> a CDN edge -> an api_server origin, 10 us links and a 10 us origin: a miss is back in about 50 us, so
// almost no request finds a key's fetch in flight. `page` is cacheable over `keys` uniform keys, `cart` is not.
std::string edge(double lambda, int keys, const std::string& ttl, double cart_share)
{
  return "name: cdn\nseed: " + seed_or("17") +
         "\nduration: 410s\nwarmup: 10s\n"
         "hardware:\n  hosts: [{name: edge, cores: 4}, {name: web, cores: 8}]\n"
         "  network: {bandwidth: 10Gbps, latency: 10us}\n"
         "services:\n"
         "  cdn: {kind: cdn, host: edge, origin: app, cacheable: [page], ttl: " +
         ttl +
         "}\n"
         "  app: {kind: api_server, host: web, workers: 64}\n"
         "requests:\n"
         "  page: {steps: [cpu: 10us], request_size: 0B, response_size: 0B}\n"
         "  cart: {steps: [cpu: 10us], request_size: 0B, response_size: 0B}\n"
         "workload:\n  entry: cdn\n  arrival: {process: poisson, rate: " +
         std::to_string(lambda) + "/s}\n  mix: {page: " + std::to_string(1 - cart_share) +
         (cart_share > 0 ? ", cart: " + std::to_string(cart_share) : std::string()) +
         "}\n  keys: {count: " + std::to_string(keys) + "}\n";
}

} // namespace

TEST(Cdn, HitRatioFollowsTheTtlFormulaPerKey)
{
  // 100 keys at 1000 requests/s: 10/s per key. TTL 100 ms: lambda T = 1, hit ratio 1/2; TTL 500 ms: lambda T =
  // 5, 5/6. About 400,000 lookups each: the standard error is near 0.001.
  for (const auto& [ttl, lambda_t] : {std::pair{"100ms", 1.0}, std::pair{"500ms", 5.0}}) {
    const auto out = run_yaml(edge(1000, 100, ttl, 0));
    const auto& cache = *service(out.results, "cdn").cache;
    const double theory = lambda_t / (1 + lambda_t);
    EXPECT_NEAR(cache.hit_ratio, theory, 0.01 * theory)
        << ttl << ": " << cache.hits << " hits, " << cache.misses << " misses";
  }
}

TEST(Cdn, TheOriginSeesOnlyMissesAndUncacheableRequests)
{
  const auto out = run_yaml(edge(1000, 100, "100ms", 0.2));
  const auto& cdn = service(out.results, "cdn");
  const auto& app = service(out.results, "app");
  const auto& cache = *cdn.cache;
  const auto& cart = out.results.requests[1];
  ASSERT_EQ(cart.name, "cart");
  // Every request goes through the edge; the origin gets the misses of page and every cart (up to the requests
  // in flight at the window's edges).
  EXPECT_NEAR(static_cast<double>(app.arrived), static_cast<double>(cache.misses + cart.sent), 5);
  EXPECT_EQ(cache.hits + cache.misses + cart.sent, out.results.total.sent);
  // Page requests per key: 8/s, TTL 100 ms: 0.8 / 1.8.
  EXPECT_NEAR(cache.hit_ratio, 0.8 / 1.8, 0.01);
  EXPECT_TRUE(out.results.checks.conserved);
}
