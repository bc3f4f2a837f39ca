#pragma once
// Live charts of a run, one point per report interval: the users' throughput and errors, their mean latency,
// and each service's utilisation (requests held over its capacity) and queue.
#include "stream.hpp"
#include "topology_graph.hpp"

#include <QWidget>

#include <map>
#include <string>

QT_BEGIN_NAMESPACE
class QChart;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace scalelab::gui
{

class ChartsPanel : public QWidget
{
  Q_OBJECT
public:
  explicit ChartsPanel(QWidget* parent = nullptr);

  void reset(const TopologyGraph& graph, double duration_seconds); // empty charts, one line per service
  void add(const IntervalSample& sample);

private:
  struct Chart {
    QChart* chart = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    std::map<std::string, QLineSeries*> lines; // by series name
    double y_max = 0;
  };
  Chart make_chart(const QString& title, const QString& unit);
  QLineSeries* add_line(Chart& chart, const std::string& key, const QString& name, const QColor& colour);
  static void append(Chart& chart, const std::string& key, double t, double value);

  Chart throughput_, latency_, errors_, utilisation_;
  std::map<std::string, double> capacity_; // by service, for the utilisation
};

} // namespace scalelab::gui
