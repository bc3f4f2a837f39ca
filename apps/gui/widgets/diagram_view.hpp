#pragma once
// The canvas: a TopologyGraph drawn with a colour and a glyph per kind, zones as frames, edges with what goes
// along them; zoom with the wheel, pan by dragging. During and after a run each service's node is coloured by
// its utilisation and shows its exact counters.
#include "break_it.hpp"
#include "stream.hpp"
#include "topology_graph.hpp"

#include <QGraphicsView>

#include <map>
#include <string>
#include <utility>
#include <vector>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace scalelab::gui
{

class EdgeFlow;
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

  void set_graph(const TopologyGraph& graph);
  void set_metrics(const std::map<std::string, NodeMetrics>& metrics); // by node id; others are cleared
  void clear_metrics();
  // Requests per second along each edge by (from, to) node ids, written on the edges; moving: dots flow along
  // them (during a run).
  void set_edge_rates(const std::map<std::pair<std::string, std::string>, double>& per_second, bool moving);
  const EdgeFlow* edge_flow() const { return flow_; }
  // Holds the dots where they are (a paused or ended run), or lets them flow again.
  void set_flowing(bool on);
  bool flowing() const;
  void fit(); // the whole diagram in the view, at most at 140 %; refitted on resizes until the user zooms
  const TopologyGraph& graph() const { return graph_; }
  // The node drawn as selected (a service's name; none when empty or not in the graph).
  void select(const std::string& id);
  const std::string& selected() const { return selected_; }

signals:
  void node_clicked(const QString& id);
  // Break it: chosen from a service node's menu (a right click).
  void break_requested(const QString& id, scalelab::gui::BreakKind kind);

protected:
  void wheelEvent(QWheelEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

private:
  TopologyGraph graph_;
  std::vector<NodeItem*> node_items_; // by node position
  EdgeFlow* flow_ = nullptr;          // in the scene
  QTimer* animation_ = nullptr;
  bool auto_fit_ = true; // fits the diagram to the view on a resize until the user zooms
  std::string selected_;
};

} // namespace scalelab::gui
