// Edits of a YAML text that keep every other byte (scalelab-gui's document), and the catalog of service kinds
// its forms are built from.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/schema_catalog.hpp"
#include "scalelab/models/yaml_edit.hpp"

#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace
{

using scalelab::models::append_yaml_item;
using scalelab::models::remove_yaml_key;
using scalelab::models::set_yaml_value;
using scalelab::models::yaml_value_at;

std::vector<std::string> lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// The lines of b that are not at the same place in a, when both have as many lines.
int lines_differing(const std::string& a, const std::string& b)
{
  const auto la = lines_of(a), lb = lines_of(b);
  if (la.size() != lb.size())
    return -1;
  int n = 0;
  for (std::size_t i = 0; i < la.size(); ++i)
    n += la[i] != lb[i] ? 1 : 0;
  return n;
}

TEST(YamlEdit, SetsAScalarKeepingItsCommentAndEveryOtherByte)
{
  const std::string text = "# a topology\nservices:\n  app:   # the web tier\n    kind: api_server\n"
                           "    instances: 2   # two to start\n    workers: 8\n";
  const auto edit = set_yaml_value(text, {"services", "app", "instances"}, "5");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "# a topology\nservices:\n  app:   # the web tier\n    kind: api_server\n"
                       "    instances: 5   # two to start\n    workers: 8\n");
}

TEST(YamlEdit, SetsInsideAFlowMapAndAddsToIt)
{
  const std::string text = "services:\n  db: {kind: database, host: db1, connections: 4}  # one primary\n";
  auto edit = set_yaml_value(text, {"services", "db", "host"}, "db2");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "services:\n  db: {kind: database, host: db2, connections: 4}  # one primary\n");
  edit = set_yaml_value(text, {"services", "db", "connections"}, "\"16\"");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "services:\n  db: {kind: database, host: db1, connections: \"16\"}  # one primary\n");
  edit = set_yaml_value(text, {"services", "db", "disk_writes"}, "2");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "services:\n  db: {kind: database, host: db1, connections: 4, disk_writes: 2}  # one primary\n");
}

TEST(YamlEdit, AddsAKeyAtTheEndOfABlockMapWithItsIndentation)
{
  const std::string text = "services:\n  app:\n    kind: api_server\n    calls:\n      - db\n\n  # next\n"
                           "  db: {kind: database}\nduration: 10s\n";
  auto edit = set_yaml_value(text, {"services", "app", "workers"}, "16");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "services:\n  app:\n    kind: api_server\n    calls:\n      - db\n    workers: 16\n\n"
                       "  # next\n  db: {kind: database}\nduration: 10s\n");
  edit = set_yaml_value(text, {"services", "cache"}, "{kind: cache, host: c1}");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "services:\n  app:\n    kind: api_server\n    calls:\n      - db\n\n  # next\n"
                       "  db: {kind: database}\n  cache: {kind: cache, host: c1}\nduration: 10s\n");
  edit = set_yaml_value(text, {"seed"}, "7");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, text + "seed: 7\n");
}

TEST(YamlEdit, ReplacesAnEmptyValueAndABlockListOnTheKeysLine)
{
  std::string text = "a:\n  b:\n  c: 1\n";
  auto edit = set_yaml_value(text, {"a", "b"}, "x");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "a:\n  b: x\n  c: 1\n");
  text = "a:\n  list:\n  - 1\n  - 2\n  c: 1\n";
  edit = set_yaml_value(text, {"a", "list"}, "[3, 4]");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "a:\n  list: [3, 4]\n  c: 1\n");
}

TEST(YamlEdit, AppendsAnItemToABlockListAFlowListOrANewKey)
{
  const std::string item = "{at: 30s, crash: web-1, for: 10s}";
  // A block list: one line added after the last item (and the lines that continue it), at the items' column.
  std::string text = "name: t\nfaults:  # what goes wrong\n  - {at: 10s, crash: db}\n  - at: 20s\n    slow: web-2\n"
                     "    factor: 3\n# the end\nseed: 1\n";
  auto edit = append_yaml_item(text, {"faults"}, item);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "name: t\nfaults:  # what goes wrong\n  - {at: 10s, crash: db}\n  - at: 20s\n    slow: web-2\n"
                       "    factor: 3\n  - {at: 30s, crash: web-1, for: 10s}\n# the end\nseed: 1\n");
  // Items at the key's own column.
  edit = append_yaml_item("faults:\n- {at: 10s, crash: db}\nseed: 1\n", {"faults"}, item);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "faults:\n- {at: 10s, crash: db}\n- {at: 30s, crash: web-1, for: 10s}\nseed: 1\n");
  // A flow list, empty or not.
  edit = append_yaml_item("faults: [{at: 10s, crash: db}]  # one\n", {"faults"}, item);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "faults: [{at: 10s, crash: db}, {at: 30s, crash: web-1, for: 10s}]  # one\n");
  edit = append_yaml_item("faults: []\n", {"faults"}, item);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "faults: [{at: 30s, crash: web-1, for: 10s}]\n");
  // No list yet, or an empty value: the key with a flow list.
  edit = append_yaml_item("name: t\nseed: 1\n", {"faults"}, item);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "name: t\nseed: 1\nfaults: [{at: 30s, crash: web-1, for: 10s}]\n");
  edit = append_yaml_item("faults:\nseed: 1\n", {"faults"}, item);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "faults: [{at: 30s, crash: web-1, for: 10s}]\nseed: 1\n");
  // What is refused, with the text as it was.
  edit = append_yaml_item("faults: {a: 1}\n", {"faults"}, item);
  EXPECT_EQ(edit.error, "faults is not a list");
  EXPECT_EQ(edit.text, "faults: {a: 1}\n");
  EXPECT_NE(append_yaml_item("faults: []\n", {"faults"}, "[unclosed").error, "");
}

TEST(YamlEdit, RemovesBlockAndFlowEntries)
{
  const std::string text = "a:\n  b: 1\n  c:\n    - 1\n    - 2\n  d: {x: 1, y: 2, z: 3}\n";
  auto edit = remove_yaml_key(text, {"a", "c"});
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "a:\n  b: 1\n  d: {x: 1, y: 2, z: 3}\n");
  edit = remove_yaml_key(text, {"a", "d", "y"});
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "a:\n  b: 1\n  c:\n    - 1\n    - 2\n  d: {x: 1, z: 3}\n");
  edit = remove_yaml_key(text, {"a", "d", "z"});
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.text, "a:\n  b: 1\n  c:\n    - 1\n    - 2\n  d: {x: 1, y: 2}\n");
}

TEST(YamlEdit, RefusesWhatItCannotDoInPlaceAndLeavesTheTextAlone)
{
  const std::string text = "a:\n  b: |\n    two\n    lines\n  c: [1, 2]\n";
  auto edit = set_yaml_value(text, {"a", "b"}, "x");
  EXPECT_NE(edit.error.find("block scalar"), std::string::npos) << edit.error;
  EXPECT_EQ(edit.text, text);
  edit = set_yaml_value(text, {"a", "c", "d"}, "x");
  EXPECT_NE(edit.error.find("a.c is not a map"), std::string::npos) << edit.error;
  edit = set_yaml_value(text, {"z", "y"}, "x");
  EXPECT_NE(edit.error.find("there is no z"), std::string::npos) << edit.error;
  edit = set_yaml_value(text, {"a", "c"}, "[1,");
  EXPECT_NE(edit.error.find("does not read"), std::string::npos) << edit.error;
  edit = set_yaml_value("a: [1, 2\n", {"a"}, "x");
  EXPECT_NE(edit.error.find("does not read as YAML"), std::string::npos) << edit.error;
}

std::vector<std::filesystem::path> shipped_yaml_files()
{
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"topologies", "experiments", "bench"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(SCALELAB_SOURCE_DIR) + "/" + dir))
      if (e.path().extension() == ".yaml")
        files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_all(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fault appended to every shipped file that has a list of them: one line more (a block list) or one line
// changed (a flow list), and the list reads as before with the fault at its end.
TEST(YamlEdit, AppendsAFaultToEveryShippedListOfFaults)
{
  int files = 0;
  const std::string fault = "{at: 12s, crash: nowhere, for: 1s}";
  for (const auto& path : shipped_yaml_files()) {
    const std::string text = read_all(path);
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || !root["faults"] || !root["faults"].IsSequence())
      continue;
    ++files;
    const auto edit = append_yaml_item(text, {"faults"}, fault);
    ASSERT_EQ(edit.error, "") << path;
    const YAML::Node after = YAML::Load(edit.text)["faults"];
    ASSERT_EQ(after.size(), root["faults"].size() + 1) << path;
    EXPECT_EQ(after[after.size() - 1]["crash"].as<std::string>(), "nowhere") << path;
    const bool block = root["faults"].Style() != YAML::EmitterStyle::Flow;
    if (block)
      EXPECT_EQ(lines_of(edit.text).size(), lines_of(text).size() + 1) << path;
    else
      EXPECT_EQ(lines_differing(text, edit.text), 1) << path;
  }
  EXPECT_GE(files, 10);
}

// Every key of every service of every shipped topology: set to what it holds, the file reads the same and at
// most that key's line changed (quoting may be written anew); set to something else, only that line changed.
TEST(YamlEdit, EditsEveryServiceKeyOfEveryShippedTopologyOnItsOwnLine)
{
  int files = 0, edits = 0;
  for (const auto& path : shipped_yaml_files()) {
    const std::string text = read_all(path);
    const auto loaded = scalelab::models::load_topology_text(text, path.string());
    if (!loaded.spec)
      continue; // an experiment or lesson file, not a topology
    ++files;
    const YAML::Node root = YAML::Load(text);
    for (auto service = root["services"].begin(); service != root["services"].end(); ++service) {
      const std::string name = service->first.Scalar();
      for (auto key = service->second.begin(); key != service->second.end(); ++key) {
        const std::vector<std::string> at = {"services", name, key->first.Scalar()};
        std::string current;
        ASSERT_TRUE(yaml_value_at(text, at, current));
        if (key->second.IsMap() && key->second.Style() != YAML::EmitterStyle::Flow)
          continue; // a block map is rewritten on one line: more than a line changes
        if (key->second.IsSequence() && key->second.Style() != YAML::EmitterStyle::Flow)
          continue;
        const auto same = set_yaml_value(text, at, current);
        ASSERT_EQ(same.error, "") << path << " " << name << "." << key->first.Scalar();
        EXPECT_LE(lines_differing(text, same.text), 1) << path << " " << name << "." << key->first.Scalar();
        ++edits;
      }
      // A new key: one line more, the rest unchanged.
      const auto added = set_yaml_value(text, {"services", name, "zz_new"}, "1");
      ASSERT_EQ(added.error, "") << path << " " << name;
      EXPECT_EQ(lines_of(added.text).size(),
                lines_of(text).size() + (service->second.Style() == YAML::EmitterStyle::Flow ? 0 : 1))
          << path << " " << name;
      const auto removed = remove_yaml_key(added.text, {"services", name, "zz_new"});
      ASSERT_EQ(removed.error, "") << path << " " << name;
      EXPECT_EQ(removed.text, text) << path << " " << name;
    }
  }
  EXPECT_GE(files, 20);
  EXPECT_GE(edits, 200);
}

TEST(YamlEdit, AnEditedTopologyLoadsWithTheNewValue)
{
  const std::string path = std::string(SCALELAB_SOURCE_DIR) + "/topologies/three-tier.yaml";
  const std::string text = read_all(path);
  const auto before = scalelab::models::load_topology_text(text, path);
  ASSERT_TRUE(before.spec);
  const auto edit = set_yaml_value(text, {"duration"}, "170s");
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(lines_differing(text, edit.text), 1);
  const auto after = scalelab::models::load_topology_text(edit.text, path);
  ASSERT_TRUE(after.spec);
  EXPECT_EQ(after.spec->duration, scalelab::models::from_seconds(170));
}

// The document yaml-cpp reads from text, written out canonically: what the loader sees.
std::string document_of(const std::string& text)
{
  YAML::Emitter out;
  out << YAML::Load(text);
  return out.c_str();
}

// The original document with the value at path set to value (or the key removed), written as document_of.
std::string document_edited(const std::string& text, const std::vector<std::string>& path,
                            const std::optional<std::string>& value)
{
  YAML::Node root = YAML::Load(text);
  YAML::Node node;
  node.reset(root);
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    YAML::Node next = node[path[i]];
    node.reset(next);
  }
  if (value)
    node[path.back()] = YAML::Load(*value);
  else
    node.remove(path.back());
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

// The comments of a text (from a '#' after a blank or at a line's start to the line's end), in order.
std::vector<std::string> comments_of(const std::string& text)
{
  std::vector<std::string> comments;
  for (const auto& line : lines_of(text))
    for (std::size_t i = 0; i < line.size(); ++i)
      if (line[i] == '"' || line[i] == '\'') {
        const auto close = line.find(line[i], i + 1);
        if (close == std::string::npos)
          break;
        i = close;
      } else if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        comments.push_back(line.substr(i));
        break;
      }
  return comments;
}

// Round trips through the loader: every service's first scalar key of every shipped topology set to a new
// value of the same type, every service given a new key and every optional key removed: the edited text's
// document is the original's with that one change (so the loader reads the same model but for it), every
// comment is kept, and a value the loader takes still loads.
TEST(YamlEdit, RoundTripsThroughTheLoaderWithOneChangeAndEveryComment)
{
  int checked_edits = 0;
  for (const auto& path : shipped_yaml_files()) {
    const std::string text = read_all(path);
    const auto loaded = scalelab::models::load_topology_text(text, path.string());
    if (!loaded.spec)
      continue;
    const auto comments = comments_of(text);
    const YAML::Node root = YAML::Load(text);
    for (auto service = root["services"].begin(); service != root["services"].end(); ++service) {
      const std::string name = service->first.Scalar();
      for (auto key = service->second.begin(); key != service->second.end(); ++key) {
        if (!key->second.IsScalar())
          continue;
        const std::vector<std::string> at = {"services", name, key->first.Scalar()};
        // A new value of the same shape: a number plus one, a name with a suffix.
        const std::string& old_value = key->second.Scalar();
        const bool digits = !old_value.empty() && old_value.find_first_not_of("0123456789") == std::string::npos;
        const std::string value = digits ? std::to_string(std::stoll(old_value) + 1) : old_value + "x";
        const auto edit = set_yaml_value(text, at, value);
        ASSERT_EQ(edit.error, "") << path << " " << name << "." << at.back();
        EXPECT_EQ(document_of(edit.text), document_edited(text, at, value)) << path << " " << name << "." << at.back();
        EXPECT_EQ(comments_of(edit.text), comments) << path << " " << name << "." << at.back();
        EXPECT_EQ(lines_differing(text, edit.text), 1) << path << " " << name << "." << at.back();
        ++checked_edits;
      }
      const std::vector<std::string> added_at = {"services", name, "zz_new"};
      const auto added = set_yaml_value(text, added_at, "[1, {a: b}]");
      ASSERT_EQ(added.error, "") << path << " " << name;
      EXPECT_EQ(document_of(added.text), document_edited(text, added_at, "[1, {a: b}]")) << path << " " << name;
      EXPECT_EQ(comments_of(added.text), comments) << path << " " << name;
    }
  }
  EXPECT_GE(checked_edits, 100);
}

TEST(YamlEdit, AnEditLoadsAsTheSameModelButForTheEditedValue)
{
  const std::string path = std::string(SCALELAB_SOURCE_DIR) + "/topologies/three-tier.yaml";
  const std::string text = read_all(path);
  const auto before = scalelab::models::load_topology_text(text, path);
  ASSERT_TRUE(before.spec);
  struct Case {
    std::vector<std::string> at;
    std::string value;
  };
  for (const Case& c : {Case{{"services", "app", "workers"}, "32"}, Case{{"services", "lb", "policy"}, "round_robin"},
                        Case{{"services", "users", "connections"}, "64"},
                        Case{{"services", "app", "queue_limit"}, "50"}, Case{{"seed"}, "43"}}) {
    const auto edit = set_yaml_value(text, c.at, c.value);
    ASSERT_EQ(edit.error, "") << c.at.back();
    EXPECT_EQ(comments_of(edit.text), comments_of(text));
    EXPECT_EQ(document_of(edit.text), document_edited(text, c.at, c.value));
    const auto after = scalelab::models::load_topology_text(edit.text, path);
    ASSERT_TRUE(after.spec) << (after.errors.empty() ? "" : after.errors.front().format());
    // Every service where it was, with its kind.
    ASSERT_EQ(after.spec->services.size(), before.spec->services.size());
    for (std::size_t i = 0; i < before.spec->services.size(); ++i) {
      EXPECT_EQ(after.spec->services[i].name, before.spec->services[i].name);
      EXPECT_EQ(after.spec->services[i].where.line, before.spec->services[i].where.line);
      EXPECT_EQ(after.spec->services[i].where.column, before.spec->services[i].where.column);
      EXPECT_EQ(after.spec->services[i].kind.index(), before.spec->services[i].kind.index());
    }
  }
  using scalelab::models::ApiServerSpec;
  using scalelab::models::LoadBalancerSpec;
  const auto app = [](const scalelab::models::TopologySpec& spec) {
    return std::get<ApiServerSpec>(spec.find_service("app")->kind);
  };
  auto after =
      scalelab::models::load_topology_text(set_yaml_value(text, {"services", "app", "workers"}, "32").text, path);
  EXPECT_EQ(app(*after.spec).workers, 32);
  EXPECT_EQ(app(*after.spec).queue_limit, app(*before.spec).queue_limit);
  EXPECT_EQ(app(*after.spec).hosts, app(*before.spec).hosts);
  after = scalelab::models::load_topology_text(set_yaml_value(text, {"services", "lb", "policy"}, "round_robin").text,
                                               path);
  EXPECT_EQ(std::get<LoadBalancerSpec>(after.spec->find_service("lb")->kind).policy,
            scalelab::models::BalancingPolicy::round_robin);
  EXPECT_EQ(std::get<LoadBalancerSpec>(after.spec->find_service("lb")->kind).backends, "app");
  after = scalelab::models::load_topology_text(set_yaml_value(text, {"seed"}, "43").text, path);
  EXPECT_EQ(after.spec->seed, 43u);
  EXPECT_EQ(after.spec->duration, before.spec->duration);
}

// A new service of a kind, written with its required keys, and its removal: the file is the original again.
TEST(YamlEdit, AddsAndRemovesAService)
{
  const std::string path = std::string(SCALELAB_SOURCE_DIR) + "/topologies/three-tier.yaml";
  const std::string text = read_all(path);
  const auto added = set_yaml_value(text, {"services", "sessions"}, "{kind: cache, host: db}");
  ASSERT_EQ(added.error, "");
  EXPECT_EQ(comments_of(added.text), comments_of(text));
  const auto loaded = scalelab::models::load_topology_text(added.text, path);
  ASSERT_TRUE(loaded.spec) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  ASSERT_NE(loaded.spec->find_service("sessions"), nullptr);
  EXPECT_STREQ(scalelab::models::kind_name(loaded.spec->find_service("sessions")->kind), "cache");
  const auto removed = remove_yaml_key(added.text, {"services", "sessions"});
  ASSERT_EQ(removed.error, "");
  EXPECT_EQ(removed.text, text);
}

// Where a key and its value are, as the loader's messages count (1-based): a form shows a message at its field.
TEST(YamlEdit, PlaceOfAKeyAndItsValue)
{
  const std::string text = "# c\nservices:\n  db: {kind: database, connections: -4}\n  app:\n    workers:\n";
  scalelab::models::YamlPlace place;
  ASSERT_TRUE(scalelab::models::yaml_place_of(text, {"services", "db", "connections"}, place));
  EXPECT_EQ(place.key_line, 3);
  EXPECT_EQ(place.key_column, 24);
  EXPECT_EQ(place.value_line, 3);
  EXPECT_EQ(place.value_column, 37);
  ASSERT_TRUE(scalelab::models::yaml_place_of(text, {"services", "app", "workers"}, place));
  EXPECT_EQ(place.key_line, 5);
  EXPECT_EQ(place.key_column, 5);
  EXPECT_FALSE(scalelab::models::yaml_place_of(text, {"services", "app", "queue_limit"}, place));
  // The loader puts its message about the value where yaml_place_of says the value is.
  const auto loaded = scalelab::models::load_topology_text(
      "name: x\nhardware: {hosts: [{name: h}]}\nservices:\n  db: {kind: database, host: h, connections: -4}\n"
      "requests: {r: [{db_read: db}]}\nworkload: {entry: db, arrival: {process: poisson, rate: 1/s}}\n",
      "t.yaml");
  ASSERT_FALSE(loaded.errors.empty());
  ASSERT_TRUE(scalelab::models::yaml_place_of(
      "name: x\nhardware: {hosts: [{name: h}]}\nservices:\n  db: {kind: database, host: h, connections: -4}\n",
      {"services", "db", "connections"}, place));
  EXPECT_EQ(loaded.errors.front().where.line, place.value_line) << loaded.errors.front().format();
  EXPECT_EQ(loaded.errors.front().where.column, place.value_column) << loaded.errors.front().format();
}

TEST(YamlEdit, TextChangeIsTheSpanBetweenCommonEnds)
{
  const auto change = scalelab::models::text_change("abcXYdef", "abcZdef");
  EXPECT_EQ(change.prefix, 3u);
  EXPECT_EQ(change.suffix, 3u);
  const auto repeated = scalelab::models::text_change("aaa", "aaaa");
  EXPECT_EQ(repeated.prefix + repeated.suffix, 3u);
}

TEST(SchemaCatalog, EveryServiceKindWithItsDeclaredKeys)
{
  const auto kinds = scalelab::models::service_kind_names();
  for (const char* kind : {"load_balancer", "api_server", "database", "cache", "queue", "worker", "cdn"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  const auto keys = scalelab::models::service_kind_keys("api_server");
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front().key, "kind");
  const auto host = std::find_if(keys.begin(), keys.end(), [](const auto& k) { return k.key == "host"; });
  ASSERT_NE(host, keys.end());
  EXPECT_FALSE(host->help.empty());
  EXPECT_TRUE(scalelab::models::service_kind_keys("no_such_kind").empty());
  // The balancer's policy is an enumeration whose choices are the loader's.
  const auto lb = scalelab::models::service_kind_keys("load_balancer");
  const auto policy = std::find_if(lb.begin(), lb.end(), [](const auto& k) { return k.key == "policy"; });
  ASSERT_NE(policy, lb.end());
  EXPECT_NE(std::find(policy->choices.begin(), policy->choices.end(), "round_robin"), policy->choices.end());
}

} // namespace

namespace
{

// A form's fields read at once give what reading each alone gives: the value, the place, and absent keys.
TEST(YamlEdit, FieldsReadAtOnceEqualEachReadAlone)
{
  const std::string text = "# a topology\nservices:\n  app:   # the web tier\n    kind: api_server\n"
                           "    hosts: [w1, w2]   # two\n    workers: 8\n  db: {kind: database, host: d}\n";
  const std::vector<std::vector<std::string>> paths = {{"services", "app", "kind"},   {"services", "app", "hosts"},
                                                       {"services", "app", "nope"},   {"services", "db", "host"},
                                                       {"services", "db", "workers"}, {}};
  const auto fields = scalelab::models::yaml_fields_at(text, paths);
  ASSERT_EQ(fields.size(), paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    std::string value;
    scalelab::models::YamlPlace place;
    const bool present = !paths[i].empty() && yaml_value_at(text, paths[i], value);
    EXPECT_EQ(fields[i].present, present) << i;
    if (!present)
      continue;
    ASSERT_TRUE(scalelab::models::yaml_place_of(text, paths[i], place));
    EXPECT_EQ(fields[i].value, value) << i;
    EXPECT_EQ(fields[i].place.key_line, place.key_line) << i;
    EXPECT_EQ(fields[i].place.key_column, place.key_column) << i;
    EXPECT_EQ(fields[i].place.value_line, place.value_line) << i;
    EXPECT_EQ(fields[i].place.value_column, place.value_column) << i;
  }
  EXPECT_EQ(fields[1].value, "[w1, w2]");
  EXPECT_EQ(fields[3].place.value_line, 7);
  // A text that does not parse: every key absent.
  for (const auto& f : scalelab::models::yaml_fields_at("a: [", paths))
    EXPECT_FALSE(f.present);
}

} // namespace

TEST(YamlEdit, ANumberInThePathPicksAListsItem)
{
  const std::string text = "hosts:\n  - {name: a, zone: eu}   # first\n  - name: b\n    cores: 2\n";
  std::string value;
  ASSERT_TRUE(yaml_value_at(text, {"hosts", "1", "cores"}, value));
  EXPECT_EQ(value, "2");
  // Set in a flow map, added to a block map at its indentation, removed: the other lines keep their bytes.
  EXPECT_EQ(set_yaml_value(text, {"hosts", "0", "zone"}, "us").text,
            "hosts:\n  - {name: a, zone: us}   # first\n  - name: b\n    cores: 2\n");
  EXPECT_EQ(set_yaml_value(text, {"hosts", "1", "zone"}, "us").text,
            "hosts:\n  - {name: a, zone: eu}   # first\n  - name: b\n    cores: 2\n    zone: us\n");
  EXPECT_EQ(remove_yaml_key(text, {"hosts", "0", "zone"}).text,
            "hosts:\n  - {name: a}   # first\n  - name: b\n    cores: 2\n");
  // No such item, or a number where a map is: refused, the text kept.
  const auto missing = set_yaml_value(text, {"hosts", "2", "zone"}, "us");
  EXPECT_EQ(missing.text, text);
  EXPECT_EQ(missing.error, "there is no hosts.2");
  EXPECT_NE(set_yaml_value(text, {"hosts", "0"}, "x").error, "");
}
