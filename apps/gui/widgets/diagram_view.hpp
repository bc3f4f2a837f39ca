#pragma once
// The canvas: a TopologyGraph drawn with a colour and a glyph per kind, zones as frames, edges with what goes
// along them; zoom with the wheel, pan by dragging. During and after a run each service's node is coloured by
// its utilisation and shows its exact counters.
#include "break_it.hpp"
#include "stream.hpp"
#include "topology_graph.hpp"

#include <QGraphicsView>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

QT_BEGIN_NAMESPACE
class QGraphicsLineItem;
class QGraphicsPathItem;
class QGraphicsPolygonItem;
class QGraphicsRectItem;
class QGraphicsSimpleTextItem;
class QTimer;
QT_END_NAMESPACE

namespace scalelab::gui
{

class EdgeFlow;
class Minimap;
class NodeItem;

// What a node shows under its name during or after a run.
struct NodeMetrics {
  double throughput = 0, errors_per_second = 0;
  double latency_mean = 0;           // seconds
  std::optional<double> latency_p99; // seconds; at the end of a run
  std::optional<double> utilisation; // 0..1; none for a service with no capacity
  double queue = 0;
  bool final = false; // from results.json: the measured window, not one interval
};

class DiagramView : public QGraphicsView
{
  Q_OBJECT
public:
  explicit DiagramView(QWidget* parent = nullptr);

  // The palette's drag carries a service kind under this MIME type.
  static constexpr const char* kKindMime = "application/x-scalelab-kind";
  // The circle on a node's right side that a connection is dragged from.
  static constexpr double kPortRadius = 7;

  void set_graph(const TopologyGraph& graph);
  void set_metrics(const std::map<std::string, NodeMetrics>& metrics); // by node id; others are cleared
  void clear_metrics();
  const std::map<std::string, NodeMetrics>& metrics() const { return metrics_; } // as last set: for tests
  // Read-only: no gestures, drops or menu; the wheel zooms and the background pans (the run before, compared).
  void set_read_only(bool on);
  // Requests per second along each edge by (from, to) node ids, written on the edges; moving: dots flow along
  // them (during a run).
  void set_edge_rates(const std::map<std::pair<std::string, std::string>, double>& per_second, bool moving);
  const EdgeFlow* edge_flow() const { return flow_; }
  Minimap& minimap() const { return *minimap_; }
  // Zooms by factor about the view's centre (the wheel does it about the mouse).
  void zoom(double factor);
  // Holds the dots where they are (a paused or ended run), or lets them flow again.
  void set_flowing(bool on);
  bool flowing() const;
  void fit(); // the whole diagram in the view, at most at 140 %; refitted on resizes until the user zooms
  const TopologyGraph& graph() const { return graph_; }
  // The node drawn as selected (a service's name; none when empty or not in the graph).
  void select(const std::string& id);
  const std::string& selected() const { return selected_; }
  // The nodes grouped by Shift+click, which a drag moves together (one undo step).
  const std::set<std::string>& group() const { return group_; }
  // Where a node's item stands (its centre, in scene units); for tests and the paste's place.
  QPointF node_position(const std::string& id) const;
  // Where a host's chip stands (its centre, in scene units); none: (0, 0).
  QPointF chip_position(const std::string& host) const;

signals:
  void node_clicked(const QString& id);
  // Break it: chosen from a service node's menu (a right click).
  void break_requested(const QString& id, scalelab::gui::BreakKind kind);
  // A node (with the nodes grouped with it) dragged and let go: each node's centre.
  void nodes_moved(const QStringList& ids, const QList<QPointF>& centres);
  // A connection dragged from one node's port to another node.
  void connect_requested(const QString& from, const QString& to);
  // A connection dragged from a node's port to a host's chip (a database's replica there).
  void replica_requested(const QString& from, const QString& host);
  // A kind from the palette (a service kind, or a hardware item) dropped at (x, y) in scene units.
  void kind_dropped(const QString& kind, double x, double y);
  // A host's chip dragged into another zone's frame (zone), or into the hosts area (zone empty); entry is the
  // host's name in the file's list (a group's).
  void host_moved(const QString& entry, const QString& zone);

protected:
  void wheelEvent(QWheelEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

private:
  // The items that draw one edge, moved with its nodes.
  struct EdgeItems {
    QGraphicsPathItem* line = nullptr;
    QGraphicsPolygonItem* arrow = nullptr;
    QGraphicsSimpleTextItem* label = nullptr;
    QGraphicsRectItem* back = nullptr;
  };
  void add_edge_items(std::size_t i);
  void place_edge(std::size_t i);
  NodeItem* node_at(const QPoint& view_pos) const;
  static bool on_port(const NodeItem& node, const QPointF& scene_pos);
  std::optional<std::size_t> chip_at(const QPointF& scene_pos) const;
  void end_gesture();

  TopologyGraph graph_;
  std::vector<NodeItem*> node_items_; // by node position
  std::vector<EdgeItems> edge_items_; // by edge position
  // A gesture going on: a node dragged (dragging_) or a connection drawn from its port (connecting_).
  std::string gesture_node_;
  NodeItem* dragging_ = nullptr;
  QPointF drag_offset_, drag_start_;
  std::vector<std::pair<NodeItem*, QPointF>> moving_; // what a drag moves, with where each started
  std::set<std::string> group_;                       // the nodes Shift+clicked, which move together
  QGraphicsLineItem* connecting_ = nullptr;
  std::optional<std::size_t> chip_;         // a host's chip dragged (its position in the graph's hosts)
  QGraphicsRectItem* chip_ghost_ = nullptr; // drawn where the chip is dragged
  EdgeFlow* flow_ = nullptr;                // in the scene
  QTimer* animation_ = nullptr;
  Minimap* minimap_ = nullptr;
  bool auto_fit_ = true; // fits the diagram to the view on a resize until the user zooms
  std::string selected_;
  std::map<std::string, NodeMetrics> metrics_;
  bool read_only_ = false;
};

} // namespace scalelab::gui
