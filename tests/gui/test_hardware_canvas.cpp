// The hardware on scalelab-gui's canvas, on the offscreen platform, driven as a person's hand: a host dragged from
// the palette into a data centre's frame is saved as the expected file, which `scalelab check` takes; a host's chip
// dragged from one data centre's frame to the other changes its zone line only; a drop the network shape makes
// meaningless leaves the file as it was, with the loader's message; undo gives the file back.
#include "canvas_support.hpp"
#include "diagram_view.hpp"
#include "document.hpp"
#include "main_window.hpp"
#include "palette.hpp"

#include "canvas_edits.hpp"

#include <QApplication>
#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QMouseEvent>
#include <QProcess>
#include <QUndoStack>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace
{

using namespace scalelab::gui::testing;

namespace fs = std::filesystem;
using scalelab::gui::DiagramView;
using scalelab::gui::GraphFrame;
using scalelab::gui::MainWindow;

// A palette item dropped on the view at a scene point, as a drag from the palette ends.
void drop(DiagramView& view, const QString& id, QPointF scene)
{
  QMimeData mime;
  mime.setData(DiagramView::kKindMime, id.toUtf8());
  const QPointF at = view.mapFromScene(scene);
  QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(view.viewport(), &enter);
  EXPECT_TRUE(enter.isAccepted());
  QDropEvent event(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(view.viewport(), &event);
  QApplication::processEvents();
}

const GraphFrame& frame(const MainWindow& window, const std::string& zone)
{
  for (const auto& f : window.diagram().graph().frames())
    if (f.zone == zone)
      return f;
  ADD_FAILURE() << "no frame " << zone;
  return window.diagram().graph().hosts_area();
}

TEST(HardwareCanvas, AHostDraggedFromThePaletteIntoADataCentreIsSavedAsExpectedAndChecks)
{
  Opened o("topologies/two-datacenters.yaml", "dc-host.yaml");
  // The palette's hardware is the registry's.
  QStringList ids;
  for (const auto& item : scalelab::gui::hardware_palette())
    ids << QString::fromStdString(item.id);
  EXPECT_EQ(o.window.palette().hardware(), ids);
  ASSERT_NE(o.window.palette().item_of("hardware.hosts"), nullptr);
  EXPECT_EQ(o.window.palette().item_of("hardware.hosts")->text(), "host");
  // Into us's frame, under its chips.
  const GraphFrame us = frame(o.window, "us");
  drop(o.window.diagram(), "hardware.hosts", QPointF((us.left + us.right) / 2, us.bottom - 8));
  EXPECT_EQ(o.window.last_message(), "add host host in us");
  // Its chip in us's frame.
  const QPointF chip = o.window.diagram().chip_position("host");
  EXPECT_TRUE(frame(o.window, "us").contains(chip.x(), chip.y()));
  ASSERT_TRUE(o.window.save());
  EXPECT_EQ(read_all(o.path),
            read_all(QString::fromStdString(source_path("tests/gui/expected/two-datacenters-host.yaml"))));
  QProcess check;
  check.start(SCALELAB_BINARY, {"check", o.path});
  ASSERT_TRUE(check.waitForFinished(60000));
  EXPECT_EQ(check.exitCode(), 0) << check.readAllStandardError().toStdString();
  EXPECT_EQ(o.window.document().undo_stack()->count(), 1);
  o.window.undo();
  EXPECT_EQ(text_of(o.window), o.original);
}

TEST(HardwareCanvas, AHostChipDraggedToTheOtherDataCentreChangesItsZoneLineOnly)
{
  Opened o("topologies/two-datacenters.yaml", "dc-move.yaml");
  auto& view = o.window.diagram();
  const QPointF from = view.chip_position("app-us-1");
  const GraphFrame eu = frame(o.window, "eu");
  ASSERT_TRUE(frame(o.window, "us").contains(from.x(), from.y()));
  drag(view, from, QPointF(eu.right - 20, eu.bottom - 8));
  const auto before = lines(o.original), after = lines(text_of(o.window));
  ASSERT_EQ(after.size(), before.size()) << o.window.last_message().toStdString();
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < before.size(); ++i)
    if (before[i] != after[i])
      changed.push_back(after[i]);
  EXPECT_EQ(changed, (std::vector<std::string>{
                         "    - {name: app-us, count: 2, cores: 8, speed: 2.5Gf, zone: eu}   # app-us-1, app-us-2"}));
  // Both machines of the group are in eu now; us's frame stays, empty, ready for a host.
  const QPointF now = view.chip_position("app-us-2");
  EXPECT_TRUE(frame(o.window, "eu").contains(now.x(), now.y()));
  EXPECT_TRUE(frame(o.window, "us").hosts.empty());
  // Let go outside every frame: nothing.
  drag(view, view.chip_position("db"), QPointF(eu.left - 2000, eu.top - 2000));
  EXPECT_EQ(o.window.document().undo_stack()->count(), 1);
  o.window.undo();
  EXPECT_EQ(text_of(o.window), o.original);
}

// Replication by a drag: from a database's port to a host's chip, a replica of it on that host (one undo step), and
// the diagram grows the database's replicas node; to a chip of a host that runs it, refused with why.
TEST(HardwareCanvas, ADatabaseDraggedToAHostsChipGetsAReplicaThere)
{
  Opened o("topologies/two-datacenters.yaml", "dc-replica.yaml");
  auto& view = o.window.diagram();
  const GraphFrame eu = frame(o.window, "eu");
  drop(view, "hardware.hosts", QPointF((eu.left + eu.right) / 2, eu.bottom - 8)); // a spare host in eu
  ASSERT_EQ(o.window.last_message(), "add host host in eu");
  const std::string with_host = text_of(o.window);
  const auto* accounts = view.graph().find("accounts");
  ASSERT_NE(accounts, nullptr);
  const QPointF port(accounts->x + scalelab::gui::TopologyGraph::kNodeWidth / 2, accounts->y);
  drag(view, port, view.chip_position("db")); // its own host
  EXPECT_EQ(o.window.last_message(), "accounts already has an instance on db");
  EXPECT_EQ(text_of(o.window), with_host);
  drag(view, port, view.chip_position("host"));
  EXPECT_EQ(o.window.last_message(), "connect accounts to a replica on host");
  const auto before = lines(with_host), after = lines(text_of(o.window));
  ASSERT_EQ(after.size(), before.size());
  std::size_t changed = 0;
  for (std::size_t i = 0; i < before.size(); ++i)
    changed += before[i] != after[i] ? 1 : 0;
  EXPECT_EQ(changed, 1u);
  ASSERT_NE(view.graph().find("accounts/replicas"), nullptr);
  EXPECT_EQ(view.graph().find("accounts/replicas")->hosts, (std::vector<std::string>{"host"}));
  EXPECT_EQ(o.window.document().undo_stack()->count(), 2);
  o.window.undo();
  EXPECT_EQ(text_of(o.window), with_host);
}

TEST(HardwareCanvas, ADropTheNetworkShapeMakesMeaninglessLeavesTheFileAndSaysWhy)
{
  Opened o("topologies/two-datacenters.yaml", "dc-refused.yaml");
  auto& view = o.window.diagram();
  const GraphFrame eu = frame(o.window, "eu");
  drop(view, "hardware.switches", QPointF(eu.left + 40, eu.bottom - 8));
  EXPECT_EQ(text_of(o.window), o.original);
  EXPECT_TRUE(o.window.last_message().contains("give either network or switches"))
      << o.window.last_message().toStdString();
  // A host let go outside both data centres: the loader wants a zone.
  drop(view, "hardware.hosts", QPointF(eu.left - 3000, eu.top - 3000));
  EXPECT_EQ(text_of(o.window), o.original);
  EXPECT_TRUE(o.window.last_message().contains("has no zone")) << o.window.last_message().toStdString();
  EXPECT_EQ(o.window.document().undo_stack()->count(), 0);
  // A data centre is taken: a third frame.
  drop(view, "hardware.network.datacenters", QPointF(0, 0));
  EXPECT_EQ(o.window.diagram().graph().frames().size(), 3u);
  o.window.undo();
  EXPECT_EQ(text_of(o.window), o.original);
}

} // namespace
