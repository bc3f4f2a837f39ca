#include "scalelab/models/units.hpp"

#include <gtest/gtest.h>

#include <string>

namespace scalelab::models
{
namespace
{

double value_of(const Quantity& q)
{
  EXPECT_TRUE(q.value.has_value()) << q.error;
  EXPECT_TRUE(q.error.empty()) << q.error;
  return q.value.value_or(-1);
}

// Checks the failure and returns its message.
std::string error_of(const Quantity& q)
{
  EXPECT_FALSE(q.value.has_value()) << *q.value;
  EXPECT_FALSE(q.error.empty());
  return q.error;
}

TEST(Units, Durations)
{
  EXPECT_DOUBLE_EQ(value_of(parse_duration("10ms")), 0.01);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("2s")), 2.0);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("500us")), 500e-6);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("1.5s")), 1.5);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("100ns")), 100e-9);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("0.25ms")), 0.25e-3);
  EXPECT_DOUBLE_EQ(value_of(parse_duration(".5s")), 0.5);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("1e3ms")), 1.0);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("0s")), 0.0);
  // Sub-second units divide, so the result is the double nearest to the decimal value.
  EXPECT_EQ(value_of(parse_duration("10ms")), 0.01);
  EXPECT_EQ(value_of(parse_duration("300ms")), 0.3);
}

TEST(Units, BareNumberIsSeconds)
{
  EXPECT_DOUBLE_EQ(value_of(parse_duration("3")), 3.0);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("0.002")), 0.002);
}

TEST(Units, WhitespaceIsAllowedAroundTheUnit)
{
  EXPECT_DOUBLE_EQ(value_of(parse_duration("10 ms")), 0.01);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("  2s  ")), 2.0);
  EXPECT_DOUBLE_EQ(value_of(parse_duration("1.5\ts")), 1.5);
  EXPECT_DOUBLE_EQ(value_of(parse_rate("800 /s")), 800.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("1 Gbps")), 125e6);
}

TEST(Units, Flops)
{
  EXPECT_DOUBLE_EQ(value_of(parse_flops("2Mf")), 2e6);
  EXPECT_DOUBLE_EQ(value_of(parse_flops("2Gf")), 2e9);
  EXPECT_DOUBLE_EQ(value_of(parse_flops("1.5kf")), 1500.0);
  EXPECT_DOUBLE_EQ(value_of(parse_flops("3Tf")), 3e12);
  EXPECT_DOUBLE_EQ(value_of(parse_flops("7f")), 7.0);
  EXPECT_DOUBLE_EQ(value_of(parse_flops("1e9")), 1e9);
}

TEST(Units, BandwidthBitsAndBytes)
{
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("1Gbps")), 125e6);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("100Mbps")), 12.5e6);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("8kbps")), 1000.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("800bps")), 100.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("125MBps")), 125e6);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("1GBps")), 1e9);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("3kBps")), 3000.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("3KBps")), 3000.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bandwidth("10Bps")), 10.0);
}

TEST(Units, BandwidthNeedsAUnit)
{
  // Bits or bytes? A bare number cannot say.
  const std::string e = error_of(parse_bandwidth("1000"));
  EXPECT_NE(e.find("needs a unit"), std::string::npos) << e;
  EXPECT_NE(e.find("Gbps"), std::string::npos) << e;
}

TEST(Units, Bytes)
{
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("1KB")), 1000.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("1KiB")), 1024.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("2MB")), 2e6);
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("2MiB")), 2.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("1GB")), 1e9);
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("1GiB")), 1024.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("3B")), 3.0);
  EXPECT_DOUBLE_EQ(value_of(parse_bytes("512")), 512.0);
}

TEST(Units, Rates)
{
  EXPECT_DOUBLE_EQ(value_of(parse_rate("800/s")), 800.0);
  EXPECT_DOUBLE_EQ(value_of(parse_rate("48000/min")), 800.0);
  EXPECT_DOUBLE_EQ(value_of(parse_rate("10/ms")), 10000.0);
  EXPECT_DOUBLE_EQ(value_of(parse_rate("25")), 25.0);
  EXPECT_DOUBLE_EQ(value_of(parse_rate("0.5/s")), 0.5);
}

TEST(Units, UnknownUnitMessageListsTheAcceptedUnits)
{
  EXPECT_EQ(error_of(parse_duration("10mz")), "unknown unit \"mz\" in \"10mz\"; expected one of s, ms, us, ns");
  const std::string e = error_of(parse_rate("10/h"));
  EXPECT_NE(e.find("/s, /min, /ms"), std::string::npos) << e;
  const std::string b = error_of(parse_bytes("4TB"));
  EXPECT_NE(b.find("B, KB, MB, GB, KiB, MiB, GiB"), std::string::npos) << b;
}

TEST(Units, UnitsAreCaseSensitive)
{
  error_of(parse_flops("2mf"));
  error_of(parse_flops("2MF"));
  error_of(parse_flops("2gf"));
  error_of(parse_bytes("1Mb")); // bits are not a size
  error_of(parse_bytes("1kb"));
  error_of(parse_bytes("1kib"));
  error_of(parse_bytes("1kB")); // only the listed spelling KB
  error_of(parse_bandwidth("1gbps"));
  error_of(parse_bandwidth("1GBPS"));
  error_of(parse_bandwidth("1Mb"));
  error_of(parse_duration("10MS"));
  error_of(parse_duration("1S"));
}

TEST(Units, RejectsNegativeNumbers)
{
  const std::string e = error_of(parse_duration("-1s"));
  EXPECT_NE(e.find("negative"), std::string::npos) << e;
  EXPECT_NE(e.find("10ms"), std::string::npos) << e; // says what was expected
  error_of(parse_rate("-5/s"));
  error_of(parse_bytes("-0"));
  error_of(parse_bandwidth(" -1Gbps"));
}

TEST(Units, RejectsNonNumbers)
{
  for (const char* text : {"nan", "NaN", "inf", "infs", "-inf", "nanms", "abc", "s", "ms", ".s", "+1s", "1..2s",
                           "0x10s", "1,5s", "1 2s", "1e", "e3s", "10 m s"}) {
    const std::string e = error_of(parse_duration(text));
    EXPECT_NE(e.find("s, ms, us, ns"), std::string::npos) << text << ": " << e;
  }
}

TEST(Units, RejectsEmptyText)
{
  for (const char* text : {"", "   ", "\t"}) {
    const std::string e = error_of(parse_duration(text));
    EXPECT_NE(e.find("empty"), std::string::npos) << e;
    EXPECT_NE(e.find("expected"), std::string::npos) << e;
  }
  error_of(parse_flops(""));
  error_of(parse_bandwidth(""));
  error_of(parse_bytes(""));
  error_of(parse_rate(""));
}

TEST(Units, RejectsOverflow)
{
  const std::string e = error_of(parse_duration("1e999s"));
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  error_of(parse_flops("1e308Tf")); // finite number, infinite after scaling
  // Underflow is not an error: the value is simply 0.
  EXPECT_EQ(value_of(parse_duration("1e-999s")), 0.0);
}

TEST(Units, FormatDuration)
{
  EXPECT_EQ(format_duration(0.01), "10ms");
  EXPECT_EQ(format_duration(1.5), "1.5s");
  EXPECT_EQ(format_duration(0.00025), "250us");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(2), "2s");
  EXPECT_EQ(format_duration(60), "60s");
  EXPECT_EQ(format_duration(0.3), "300ms");
  EXPECT_EQ(format_duration(0.1), "100ms");
  EXPECT_EQ(format_duration(0.0015), "1.5ms");
  EXPECT_EQ(format_duration(1e-7), "100ns");
  EXPECT_EQ(format_duration(1e-10), "0.1ns");
  EXPECT_EQ(format_duration(123.456), "123.456s");
  EXPECT_EQ(format_duration(1e9), "1000000000s");
}

TEST(Units, FormatDurationRoundTripsExactly)
{
  const double samples[] = {0.01, 1.5,   2.5e-4, 1e-9, 3e-9,     0.123456789, 1.0 / 3,   2.0 / 3e3,
                            7e-5, 86400, 1e-12,  1e20, 0.999e-3, 12345.6789,  0.1 + 0.2, 1e-3 + 1e-12};
  for (const double x : samples) {
    const std::string text = format_duration(x);
    const Quantity back = parse_duration(text);
    ASSERT_TRUE(back.value.has_value()) << text << ": " << back.error;
    EXPECT_EQ(*back.value, x) << text;
  }
}

} // namespace
} // namespace scalelab::models
