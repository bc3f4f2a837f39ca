#pragma once
// Closed forms of queueing theory the simulator is checked against (seconds, requests per second).
#include <cmath>
#include <vector>

namespace scalelab::test
{

// M/M/1: mean time in system.
inline double mm1_response(double lambda, double mu)
{
  return 1.0 / (mu - lambda);
}

// Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = lambda / mu < c.
inline double erlang_c(int c, double a)
{
  double term = 1.0; // a^k / k!
  double sum = 0.0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a); // a^c / c! * c / (c - a)
  return top / (sum + top);
}

// Erlang B: blocking probability of an M/G/c/c loss system with offered load a (by the recursion
// B(k) = a B(k-1) / (k + a B(k-1)), B(0) = 1).
inline double erlang_b(int c, double a)
{
  double b = 1.0;
  for (int k = 1; k <= c; ++k)
    b = a * b / (k + a * b);
  return b;
}

// M/M/c: mean waiting time before service.
inline double mmc_wait(int c, double lambda, double mu)
{
  return erlang_c(c, lambda / mu) / (c * mu - lambda);
}

// M/D/1 (Pollaczek-Khinchine with deterministic service): mean waiting time.
inline double md1_wait(double lambda, double mu)
{
  const double rho = lambda / mu;
  return rho / (2.0 * mu * (1.0 - rho));
}

// The finite-source (machine repairman) model: n users, mean think time z, one exponential FCFS server of
// rate mu. Returns the mean response time R = n / X - z with X = mu (1 - p0).
inline double repairman_response(int n, double z, double mu)
{
  const double r = 1.0 / (z * mu); // per-user request rate over service rate
  double term = 1.0, sum = 1.0;    // n! / (n - k)! r^k
  for (int k = 1; k <= n; ++k) {
    term *= (n - k + 1) * r;
    sum += term;
  }
  const double throughput = mu * (1.0 - 1.0 / sum);
  return n / throughput - z;
}

// Che's approximation of an LRU cache of `capacity` entries under independent references with popularities
// p (Che, Tung and Wang 2002): the characteristic time T solves sum_i (1 - exp(-p_i T)) = capacity, and the
// hit ratio is sum_i p_i (1 - exp(-p_i T)).
inline double che_lru_hit_ratio(const std::vector<double>& p, double capacity)
{
  auto filled = [&](double t) {
    double sum = 0;
    for (double pi : p)
      sum += 1 - std::exp(-pi * t);
    return sum;
  };
  double lo = 0, hi = 1;
  while (filled(hi) < capacity)
    hi *= 2;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (filled(mid) < capacity ? lo : hi) = mid;
  }
  double hits = 0;
  for (double pi : p)
    hits += pi * (1 - std::exp(-pi * lo));
  return hits;
}

// Zipf popularities over n keys with exponent a: p_i proportional to 1 / i^a.
inline std::vector<double> zipf_popularities(int n, double a)
{
  std::vector<double> p(static_cast<std::size_t>(n));
  double sum = 0;
  for (int i = 0; i < n; ++i)
    sum += p[static_cast<std::size_t>(i)] = std::pow(i + 1, -a);
  for (double& pi : p)
    pi /= sum;
  return p;
}

} // namespace scalelab::test
