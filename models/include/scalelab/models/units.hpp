#pragma once
// Quantities written with units in topology files. Each parser returns the value in base units (seconds,
// flops, bytes per second, bytes, per second) or an error message naming what was expected.
#include <optional>
#include <string>
#include <vector>

namespace scalelab::models
{

struct Quantity {
  std::optional<double> value; // set on success
  std::string error;           // set on failure, e.g. "expected a duration such as 10ms, 2s or 500us"
};

Quantity parse_duration(const std::string& text); // s, ms, us, ns; a bare number is seconds; 1.5s, 200ms
Quantity parse_flops(const std::string& text);    // f, kf, Mf, Gf, Tf; a bare number is flops
Quantity parse_bandwidth(
    const std::string& text); // bps, kbps, Mbps, Gbps (bits) or Bps, kBps, MBps, GBps (bytes); result in bytes/s
Quantity parse_bytes(const std::string& text); // B, KB, MB, GB (powers of 1000), KiB, MiB, GiB; bare = bytes
Quantity parse_rate(const std::string& text);  // "800/s", "48000/min", "10/ms", bare number = per second

// Every unit the parsers above know ("s", "ms", ..., "/min"), in their order.
std::vector<std::string> unit_names();

// Inverse formatting for resolved configurations and docs, e.g. format_duration(0.01) == "10ms".
std::string format_duration(double seconds);

} // namespace scalelab::models
