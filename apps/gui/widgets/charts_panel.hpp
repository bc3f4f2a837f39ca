#pragma once
// Live charts of a run, one point per report interval, on two tabs: the users' throughput and errors, their mean
// latency, and each service's utilisation (requests held over its capacity); then each service's requests
// waiting, each cache's hit ratio and each replica's lag. Comparing, the users' charts draw the run before
// ("before", dashed) beside this one ("this run"), and the utilisation and queue charts each service's line of
// the run before, dashed in its colour.
#include "stream.hpp"
#include "topology_graph.hpp"

#include <QList>
#include <QPointF>
#include <QWidget>

#include <map>
#include <string>
#include <vector>

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
  // From the next reset on, the charts draw the run before (or no longer do).
  void set_compare(bool on) { compare_ = on; }
  bool compare() const { return compare_; }
  // The run before: its samples in time order and its graph (the services' capacities); drawn from the next reset
  // on when comparing.
  void set_before(const std::vector<IntervalSample>& run, const TopologyGraph& graph);
  // The points of the line named `line` in the chart titled `title` (empty when there is none): for tests.
  QList<QPointF> points(const QString& title, const QString& line) const;

private:
  struct Chart {
    QChart* chart = nullptr;
    QString title; // without what comparing adds
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    std::map<std::string, QLineSeries*> lines; // by series name
    double y_max = 0;
  };
  Chart make_chart(const QString& title, const QString& unit);
  QLineSeries* add_line(Chart& chart, const std::string& key, const QString& name, const QColor& colour);
  // The line of `key`, added the first time it has a point (caches and replicas are known from the stream).
  void append_new(Chart& chart, const std::string& key, double t, double value);
  static void append(Chart& chart, const std::string& key, double t, double value);
  // The users' line of the run before, kept when comparing; its points set the y range too.
  void keep_before(Chart& chart, const QList<QPointF>& before);
  // Each service's line of the run before, dashed in the colour of this run's line.
  void keep_services_before(Chart& chart);

  void add_services(const IntervalSample& sample, double t);

  Chart throughput_, latency_, errors_, utilisation_;
  Chart waiting_, hit_ratio_, lag_;
  std::map<std::string, double> capacity_; // by service, for the utilisation
  bool compare_ = false;
  std::map<const Chart*, std::map<std::string, QList<QPointF>>> before_; // by chart, by line key
};

} // namespace scalelab::gui
