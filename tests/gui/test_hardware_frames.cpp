// The hardware on scalelab-gui's canvas, without widgets: the zones' frames hold exactly the hosts the hardware
// graph (models/hardware.hpp, which the simulation routes with) puts in each zone, as chips that stand inside
// their frame and clear of the nodes; the hardware palette comes from the schema's registry; a host, a switch and a
// data centre dropped, and a host moved to another zone, change the lines they must and load, or are refused with
// the loader's message and the text unchanged.
#include "canvas_edits.hpp"
#include "text_support.hpp"
#include "topology_graph.hpp"

#include "scalelab/models/hardware.hpp"
#include "scalelab/models/loader.hpp"
#include "scalelab/models/schema_catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace
{

using namespace scalelab::gui::testing;

using namespace scalelab::gui;
namespace fs = std::filesystem;
using Names = std::set<std::string>;

// Zone -> the hosts in it, as the hardware graph builds them ("" for the hosts of no zone).
std::map<std::string, Names> zones_by_hardware(const scalelab::models::TopologySpec& spec)
{
  std::vector<scalelab::models::HardwareIssue> issues;
  const auto hw = scalelab::models::HardwareGraph::build(spec, issues);
  EXPECT_TRUE(issues.empty());
  std::map<std::string, Names> out;
  for (const auto& e : hw.elements())
    if (e.kind == scalelab::models::NetElement::Kind::host)
      out[e.zone].insert(e.name);
  return out;
}

// Zone -> the host chips in its frame ("" for the hosts area).
std::map<std::string, Names> zones_by_frames(const TopologyGraph& g)
{
  std::map<std::string, Names> out;
  for (const GraphFrame* f : [&] {
         std::vector<const GraphFrame*> all{&g.hosts_area()};
         for (const auto& f : g.frames())
           all.push_back(&f);
         return all;
       }())
    for (const std::size_t h : f->hosts)
      if (!g.hosts()[h].is_switch)
        out[f->zone].insert(g.hosts()[h].name);
  return out;
}

bool overlap(double a0, double a1, double b0, double b1)
{
  return a0 < b1 && b0 < a1;
}

// Every chip inside its frame, clear of every node and of the other chips; the hosts area clear of the frames.
void expect_chips_in_place(const TopologyGraph& g, const std::string& file)
{
  std::vector<const GraphFrame*> frames{&g.hosts_area()};
  for (const auto& f : g.frames())
    frames.push_back(&f);
  std::size_t chips = 0;
  for (const GraphFrame* f : frames)
    for (const std::size_t i : f->hosts) {
      ++chips;
      const GraphHost& h = g.hosts()[i];
      const double l = h.x - TopologyGraph::kChipWidth / 2, r = h.x + TopologyGraph::kChipWidth / 2;
      const double t = h.y - TopologyGraph::kChipHeight / 2, b = h.y + TopologyGraph::kChipHeight / 2;
      EXPECT_TRUE(l >= f->left && r <= f->right && t >= f->top && b <= f->bottom)
          << file << ": " << h.name << " outside " << f->title;
      for (const auto& n : g.nodes())
        EXPECT_FALSE(overlap(l, r, n.x - TopologyGraph::kNodeWidth / 2, n.x + TopologyGraph::kNodeWidth / 2) &&
                     overlap(t, b, n.y - TopologyGraph::kNodeHeight / 2, n.y + TopologyGraph::kNodeHeight / 2))
            << file << ": " << h.name << " under " << n.id;
      for (const std::size_t j : f->hosts) {
        if (j > i) {
          EXPECT_FALSE(std::abs(g.hosts()[j].x - h.x) < TopologyGraph::kChipWidth &&
                       std::abs(g.hosts()[j].y - h.y) < TopologyGraph::kChipHeight)
              << file << ": " << h.name << " and " << g.hosts()[j].name;
        }
      }
    }
  EXPECT_EQ(chips, g.hosts().size()) << file;
  const auto& area = g.hosts_area();
  if (!area.hosts.empty()) {
    for (const auto& f : g.frames()) {
      EXPECT_FALSE(overlap(area.left, area.right, f.left, f.right) && overlap(area.top, area.bottom, f.top, f.bottom))
          << file << ": the hosts area and " << f.title;
    }
  }
}

TEST(HardwareFrames, EachFrameHoldsExactlyTheHostsTheHardwareGraphPutsInItsZone)
{
  int with_zones = 0, checked = 0;
  for (const char* dir : {"topologies", "experiments"})
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(SCALELAB_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".yaml")
        continue;
      const auto loaded = scalelab::models::load_topology_file(entry.path().string());
      if (!loaded.spec || !loaded.spec->hardware.simgrid_platform.empty())
        continue;
      SCOPED_TRACE(entry.path().string());
      const auto g = TopologyGraph::from_spec(*loaded.spec);
      const auto expected = zones_by_hardware(*loaded.spec);
      EXPECT_EQ(zones_by_frames(g), expected);
      expect_chips_in_place(g, entry.path().string());
      with_zones += expected.size() > 1 || (expected.size() == 1 && !expected.count(""));
      ++checked;
    }
  EXPECT_GE(checked, 20);
  EXPECT_GE(with_zones, 5); // two-datacenters, racks, the CDN files, lesson 09, ...
}

TEST(HardwareFrames, TwoDatacentresHaveAFrameEachWithTheirHostsAndUsHasNoNode)
{
  const auto g = graph_of(read_source("topologies/two-datacenters.yaml"));
  ASSERT_EQ(g.frames().size(), 2u);
  const auto& eu = g.frames()[0];
  const auto& us = g.frames()[1];
  EXPECT_EQ(eu.title, "data centre eu");
  EXPECT_EQ(us.title, "data centre us");
  EXPECT_TRUE(us.nodes.empty()); // app has hosts in both: it stands outside
  const auto names = [&](const GraphFrame& f) {
    std::vector<std::string> out;
    for (const auto h : f.hosts)
      out.push_back(g.hosts()[h].name + "/" + std::to_string(g.hosts()[h].cores));
    return out;
  };
  EXPECT_EQ(names(eu), (std::vector<std::string>{"lb/4", "app-eu-1/8", "app-eu-2/8", "app-eu-3/8", "db/16"}));
  EXPECT_EQ(names(us), (std::vector<std::string>{"app-us-1/8", "app-us-2/8"}));
  EXPECT_TRUE(g.hosts_area().hosts.empty());
  EXPECT_EQ(g.frame_at(g.hosts()[eu.hosts[0]].x, g.hosts()[eu.hosts[0]].y), &eu);
  EXPECT_EQ(g.frame_at((us.left + us.right) / 2, (us.top + us.bottom) / 2), &us);
}

TEST(HardwareFrames, RacksAreFilledInFileOrderAndAServiceInOneRackStandsInItsFrame)
{
  const auto g = graph_of(read_source("topologies/racks.yaml"));
  ASSERT_EQ(g.frames().size(), 3u);
  std::map<std::string, std::size_t> chips;
  std::map<std::string, std::vector<std::string>> nodes;
  for (const auto& f : g.frames()) {
    EXPECT_TRUE(f.rack);
    chips[f.title] = f.hosts.size();
    for (const auto n : f.nodes)
      nodes[f.title].push_back(g.nodes()[n].id);
  }
  // rack-1: lb, web-1 .. web-7; rack-2: web-8 .. web-15; rack-3: the four stores (the file's comment).
  EXPECT_EQ(chips, (std::map<std::string, std::size_t>{{"rack-1", 8}, {"rack-2", 8}, {"rack-3", 4}}));
  EXPECT_EQ(nodes["rack-1"], (std::vector<std::string>{"lb"}));
  EXPECT_EQ(nodes["rack-3"], (std::vector<std::string>{"posts", "media", "profiles", "comments"}));
  EXPECT_TRUE(nodes["rack-2"].empty());
  EXPECT_EQ(g.find("web")->zones, (std::vector<std::string>{"rack-1", "rack-2"}));
}

TEST(HardwareFrames, ZonesWithChipsOnlyWhenEveryServiceSpansThem)
{
  // One API server on machines of both data centres: two frames of chips only, beside the two nodes.
  const auto g = graph_of(R"(name: spread
hardware:
  hosts:
    - {name: a, cores: 2, zone: eu}
    - {name: b, cores: 4, zone: us}
  network: {shape: datacenters, datacenters: [eu, us], wan_latency: [[0, 40ms], [40ms, 0]]}
services:
  app: {kind: api_server, hosts: [a, b]}
requests:
  get: [cpu: 1ms]
workload: {entry: app, arrival: {process: poisson, rate: 10/s}, mix: {get: 1}}
)");
  ASSERT_EQ(g.frames().size(), 2u);
  EXPECT_EQ(zones_by_frames(g), (std::map<std::string, Names>{{"eu", {"a"}}, {"us", {"b"}}}));
  expect_chips_in_place(g, "spread");
  for (const auto& f : g.frames())
    for (const auto& n : g.nodes())
      EXPECT_FALSE(overlap(f.left, f.right, n.x - TopologyGraph::kNodeWidth / 2, n.x + TopologyGraph::kNodeWidth / 2) &&
                   overlap(f.top, f.bottom, n.y - TopologyGraph::kNodeHeight / 2, n.y + TopologyGraph::kNodeHeight / 2))
          << f.title << " and " << n.id;
}

TEST(HardwareFrames, HostsOfNoZoneStandInTheHostsAreaUnderTheDiagram)
{
  const auto g = graph_of(read_source("topologies/three-tier.yaml"));
  EXPECT_TRUE(g.frames().empty());
  const auto& area = g.hosts_area();
  EXPECT_EQ(area.title, "hosts");
  EXPECT_EQ(area.hosts.size(), g.hosts().size());
  for (const auto& n : g.nodes())
    EXPECT_LT(n.y + TopologyGraph::kNodeHeight / 2, area.top);
}

TEST(HardwarePalette, ComesFromTheSchemasRegistry)
{
  std::vector<std::string> labels;
  for (const auto& item : hardware_palette()) {
    labels.push_back(item.label);
    EXPECT_TRUE(is_hardware_item(item.id));
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"host", "switch", "datacenter"}));
  // The host's keys are the loader's: name required, cores and speed with their defaults.
  const auto elements = scalelab::models::hardware_elements();
  ASSERT_FALSE(elements.empty());
  EXPECT_EQ(elements[0].list, "hosts");
  EXPECT_TRUE(elements[0].keys[0].required);
  EXPECT_EQ(elements[0].keys[0].key, "name");
  for (const auto& kind : scalelab::models::service_kind_names())
    EXPECT_FALSE(is_hardware_item(kind));
}

TEST(HardwareDrops, AHostDroppedInADataCentresFrameIsInThatZoneOneLineAdded)
{
  const std::string text = read_source("topologies/two-datacenters.yaml");
  const auto g = graph_of(text);
  const auto& us = g.frames()[1];
  const auto edit = drop_hardware(text, "hardware.hosts", (us.left + us.right) / 2, us.bottom - 10);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.what, "add host host in us");
  const auto before = lines(text), after = lines(edit.text);
  ASSERT_EQ(after.size(), before.size() + 1);
  // After db's line, at the list's indentation; the rest as it was.
  const auto at = std::find(after.begin(), after.end(), "    - {name: host, cores: 1, speed: 1Gf, zone: us}");
  ASSERT_NE(at, after.end());
  std::vector<std::string> without(after.begin(), after.end());
  without.erase(without.begin() + (at - after.begin()));
  EXPECT_EQ(without, before);
  const auto spec = load(edit.text);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->find_host("host")->zone, "us");
  EXPECT_EQ(zones_by_frames(graph_of(edit.text))["us"], (Names{"app-us-1", "app-us-2", "host"}));
  // A second one gets a new name.
  const auto second = drop_hardware(edit.text, "hardware.hosts", (us.left + us.right) / 2, us.bottom - 10);
  ASSERT_EQ(second.error, "");
  EXPECT_NE(second.text.find("{name: host-2, cores: 1, speed: 1Gf, zone: us}"), std::string::npos);
}

TEST(HardwareDrops, AHostOutsideEveryDataCentreIsRefusedWithTheLoadersMessage)
{
  const std::string text = read_source("topologies/two-datacenters.yaml");
  const auto edit = drop_hardware(text, "hardware.hosts", -5000, -5000);
  EXPECT_EQ(edit.text, text);
  EXPECT_NE(edit.error.find("has no zone; with network shape datacenters every host is in one of: eu, us"),
            std::string::npos)
      << edit.error;
}

TEST(HardwareDrops, AHostOnALanGoesToTheHostsArea)
{
  const std::string text = read_source("topologies/three-tier.yaml");
  const auto edit = drop_hardware(text, "hardware.hosts", 100, 100);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(lines(edit.text).size(), lines(text).size() + 1);
  const auto g = graph_of(edit.text);
  EXPECT_EQ(zones_by_frames(g)[""].count("host"), 1u);
}

TEST(HardwareDrops, AHostInARackGoesAtTheEndOfTheFileOrder)
{
  const std::string text = read_source("topologies/racks.yaml");
  const auto g = graph_of(text);
  const auto& rack1 = g.frames()[0];
  const auto edit = drop_hardware(text, "hardware.hosts", rack1.left + 30, rack1.bottom - 10);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text.find("zone:"), std::string::npos); // shape racks refuses zones: the place decides
  EXPECT_EQ(zones_by_frames(graph_of(edit.text))["rack-3"].count("host"), 1u);
}

TEST(HardwareDrops, ADataCentreAddsItsNameAndARowAndAColumnOfLatency)
{
  const std::string text = read_source("topologies/two-datacenters.yaml");
  const auto edit = drop_hardware(text, "hardware.network.datacenters", 0, 0);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(changed_lines(text, edit.text),
            (std::vector<std::string>{
                "    datacenters: [eu, us, dc]",
                "    wan_latency: [[0, 40ms, 40ms], [40ms, 0, 40ms], [40ms, 40ms, 0]]      # one way, Frankfurt to "
                "Virginia is about 40 ms"}));
  const auto g = graph_of(edit.text);
  ASSERT_EQ(g.frames().size(), 3u);
  EXPECT_EQ(g.frames()[2].title, "data centre dc");
  EXPECT_TRUE(g.frames()[2].hosts.empty());
  // Its frame takes a host.
  const auto& dc = g.frames()[2];
  const auto host = drop_hardware(edit.text, "hardware.hosts", dc.left + 40, dc.top + 30);
  ASSERT_EQ(host.error, "");
  EXPECT_EQ(zones_by_frames(graph_of(host.text))["dc"], (Names{"host"}));
}

TEST(HardwareDrops, WhatTheNetworkShapeMakesMeaninglessIsRefusedAndTheTextKept)
{
  const std::string lan = read_source("topologies/three-tier.yaml");
  const auto dc = drop_hardware(lan, "hardware.network.datacenters", 0, 0);
  EXPECT_EQ(dc.text, lan);
  EXPECT_NE(dc.error.find("not done: the file would not load"), std::string::npos) << dc.error;
  const auto sw = drop_hardware(lan, "hardware.switches", 0, 0);
  EXPECT_EQ(sw.text, lan);
  EXPECT_NE(sw.error.find("give either network or switches"), std::string::npos) << sw.error;
  const std::string two = read_source("topologies/two-datacenters.yaml");
  const auto sw2 = drop_hardware(two, "hardware.switches", 0, 0);
  EXPECT_EQ(sw2.text, two);
  EXPECT_NE(sw2.error.find("give either network or switches"), std::string::npos) << sw2.error;
  // With the default shape (no network key): a switch without links.
  std::string bare = lan;
  bare.erase(bare.find("  network:"), bare.find('\n', bare.find("  network:")) - bare.find("  network:") + 1);
  ASSERT_TRUE(load(bare));
  const auto sw3 = drop_hardware(bare, "hardware.switches", 0, 0);
  EXPECT_EQ(sw3.text, bare);
  EXPECT_NE(sw3.error.find("switches are only used with links"), std::string::npos) << sw3.error;
}

// Zones of explicit links reach the others through one element each: b, alone in right, may move to left (its
// switch's zone) or out of every zone.
const char* const kLinks = R"(name: links
hardware:
  hosts:
    - {name: a, cores: 2, zone: left}
    - {name: b, cores: 2, zone: right}
  switches:
    - {name: gw, zone: left}
  links:
    - {between: [a, gw]}
    - {between: [b, gw]}
services:
  app: {kind: api_server, host: a}
requests:
  get: [cpu: 1ms]
workload: {entry: app, arrival: {process: poisson, rate: 10/s}, mix: {get: 1}}
)";

TEST(HardwareDrops, ASwitchJoinsAnExplicitGraphsSwitchesAndIsDrawnAsAChip)
{
  const auto edit = drop_hardware(kLinks, "hardware.switches", 0, 0);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(lines(edit.text).size(), lines(kLinks).size() + 1);
  EXPECT_NE(edit.text.find("    - {name: gw, zone: left}\n    - {name: switch}\n"), std::string::npos) << edit.text;
  const auto g = graph_of(edit.text);
  const auto chip =
      std::find_if(g.hosts().begin(), g.hosts().end(), [](const GraphHost& h) { return h.name == "switch"; });
  ASSERT_NE(chip, g.hosts().end());
  EXPECT_TRUE(chip->is_switch);
  // The zones of explicit links are anyone's names: "zone left" with a and gw, "zone right" with b, and the new
  // switch in the hosts area.
  ASSERT_EQ(g.frames().size(), 2u);
  EXPECT_EQ(g.frames()[0].title, "zone left");
  EXPECT_EQ(g.frames()[0].hosts.size(), 2u);
  EXPECT_EQ(g.frames()[1].title, "zone right");
  EXPECT_EQ(g.hosts_area().title, "hosts in no zone");
  EXPECT_EQ(g.hosts_area().hosts.size(), 1u);
}

TEST(HardwareMoves, AHostMovedToAnotherZoneChangesItsZoneLineOnly)
{
  const std::string text = read_source("topologies/two-datacenters.yaml");
  const auto edit = move_host(text, "app-us", "eu");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(changed_lines(text, edit.text),
            (std::vector<std::string>{"    - {name: app-us, count: 2, cores: 8, speed: 2.5Gf, zone: eu}   # app-us-1, "
                                      "app-us-2"}));
  EXPECT_EQ(zones_by_frames(graph_of(edit.text))["eu"].count("app-us-2"), 1u);
  // Out of every zone: refused by the loader with shape datacenters; the same zone: nothing to do.
  const auto out = move_host(text, "app-us", "");
  EXPECT_EQ(out.text, text);
  EXPECT_NE(out.error.find("has no zone"), std::string::npos) << out.error;
  EXPECT_EQ(move_host(text, "app-us", "us").text, text);
  EXPECT_NE(move_host(text, "nobody", "eu").error, "");
  // With explicit links a zone is anyone's: to another, out of every one and back, a line each, the bytes back.
  const auto left = move_host(kLinks, "b", "left");
  ASSERT_EQ(left.error, "");
  EXPECT_EQ(changed_lines(kLinks, left.text), (std::vector<std::string>{"    - {name: b, cores: 2, zone: left}"}));
  const auto none = move_host(kLinks, "b", "");
  ASSERT_EQ(none.error, "");
  EXPECT_EQ(changed_lines(kLinks, none.text), (std::vector<std::string>{"    - {name: b, cores: 2}"}));
  EXPECT_EQ(zones_by_frames(graph_of(none.text))[""], (Names{"b"}));
  const auto back = move_host(none.text, "b", "right");
  ASSERT_EQ(back.error, "");
  EXPECT_EQ(back.text, kLinks);
  // a cannot leave left: gw's zone would reach right through two elements, which the loader refuses.
  const auto refused = move_host(kLinks, "a", "right");
  EXPECT_EQ(refused.text, kLinks);
  EXPECT_NE(refused.error.find("through several elements"), std::string::npos) << refused.error;
}

TEST(HardwareMoves, ABlockStyleHostKeepsItsCommentAndGetsANewZoneLineAtItsIndentation)
{
  const std::string text = R"(name: block
hardware:
  hosts:
    - name: a
      cores: 2
      zone: left
    - name: b
      cores: 2
      zone: right   # the right room
  switches: [{name: gw, zone: left}]
  links: [{between: [a, gw]}, {between: [b, gw]}]
services:
  app: {kind: api_server, host: a}
requests:
  get: [cpu: 1ms]
workload: {entry: app, arrival: {process: poisson, rate: 10/s}, mix: {get: 1}}
)";
  const auto moved = move_host(text, "b", "left");
  ASSERT_EQ(moved.error, "");
  EXPECT_EQ(changed_lines(text, moved.text), (std::vector<std::string>{"      zone: left   # the right room"}));
  const auto out = move_host(text, "b", "");
  ASSERT_EQ(out.error, "");
  EXPECT_NE(out.text.find("    - name: b\n      cores: 2\n  switches:"), std::string::npos) << out.text;
  const auto in = move_host(out.text, "b", "left");
  ASSERT_EQ(in.error, "");
  EXPECT_NE(in.text.find("    - name: b\n      cores: 2\n      zone: left\n  switches:"), std::string::npos) << in.text;
}

} // namespace
