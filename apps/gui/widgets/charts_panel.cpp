#include "charts_panel.hpp"

#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace scalelab::gui
{

namespace
{
const std::string kUsers = "(users)";
constexpr const char* kBefore = "(before)"; // the key of the run before's line
const std::string kUsersP50 = "(users) p50", kUsersP99 = "(users) p99";

QColor line_colour(std::size_t i)
{
  static const QColor colours[] = {QColor(52, 120, 200), QColor(40, 150, 110), QColor(150, 90, 180),
                                   QColor(210, 120, 40), QColor(190, 70, 110), QColor(100, 130, 60),
                                   QColor(60, 160, 180), QColor(140, 110, 80)};
  return colours[i % (sizeof colours / sizeof colours[0])];
}
} // namespace

ChartsPanel::ChartsPanel(QWidget* parent) : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* tabs = new QTabWidget(this);
  tabs->setDocumentMode(true);
  layout->addWidget(tabs);
  throughput_ = make_chart("Users: answered per second", "req/s");
  latency_ = make_chart("Users: latency per interval", "ms");
  errors_ = make_chart("Users: errors per second", "errors/s");
  utilisation_ = make_chart("Utilisation (held / capacity)", "%");
  waiting_ = make_chart("Requests waiting (queue length)", "requests");
  hit_ratio_ = make_chart("Cache hit ratio", "%");
  lag_ = make_chart("Replication lag (mean per interval)", "ms");
  const auto page = [this, tabs](const QString& name, std::initializer_list<QChart*> charts) {
    auto* widget = new QWidget(tabs);
    auto* grid = new QGridLayout(widget);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(2);
    int i = 0;
    for (QChart* chart : charts) {
      auto* view = new QChartView(chart, widget);
      view->setRenderHint(QPainter::Antialiasing);
      view->setMinimumHeight(170);
      grid->addWidget(view, 0, i++);
    }
    tabs->addTab(widget, name);
  };
  page("Users and utilisation", {throughput_.chart, latency_.chart, errors_.chart, utilisation_.chart});
  page("Queues, caches, replication", {waiting_.chart, hit_ratio_.chart, lag_.chart});
}

ChartsPanel::Chart ChartsPanel::make_chart(const QString& title, const QString& unit)
{
  Chart c;
  c.chart = new QChart();
  c.chart->setTitle(title);
  c.title = title;
  QFont font = c.chart->titleFont();
  font.setPixelSize(13);
  font.setBold(true);
  c.chart->setTitleFont(font);
  c.chart->setMargins(QMargins(2, 2, 2, 2));
  c.chart->legend()->setAlignment(Qt::AlignBottom);
  c.x = new QValueAxis();
  c.x->setTitleText("simulated s");
  c.x->setLabelFormat("%g");
  c.y = new QValueAxis();
  c.y->setTitleText(unit);
  c.y->setLabelFormat("%g");
  c.chart->addAxis(c.x, Qt::AlignBottom);
  c.chart->addAxis(c.y, Qt::AlignLeft);
  return c;
}

QLineSeries* ChartsPanel::add_line(Chart& chart, const std::string& key, const QString& name, const QColor& colour)
{
  auto* line = new QLineSeries();
  line->setName(name);
  line->setPen(QPen(colour, 2));
  chart.chart->addSeries(line);
  line->attachAxis(chart.x);
  line->attachAxis(chart.y);
  chart.lines[key] = line;
  return line;
}

void ChartsPanel::set_before(const std::vector<IntervalSample>& run, const TopologyGraph& graph)
{
  before_.clear();
  for (const auto& sample : run) {
    // The points add() draws.
    const double t = (sample.time + sample.end) / 2;
    const double width = sample.end > sample.time ? sample.end - sample.time : 1;
    if (const auto u = sample.series.find(kUsers); u != sample.series.end()) {
      before_[&throughput_][kUsers] << QPointF(t, u->second.throughput);
      if (u->second.completed > 0)
        before_[&latency_][kUsers] << QPointF(t, u->second.latency_mean * 1e3);
      before_[&errors_][kUsers] << QPointF(t, u->second.errors / width);
    }
    for (const auto& n : graph.nodes())
      if (const auto s = sample.series.find(n.id); n.capacity > 0 && s != sample.series.end()) {
        before_[&utilisation_][n.id] << QPointF(t, 100 * s->second.in_service / n.capacity);
        before_[&waiting_][n.id] << QPointF(t, s->second.queue);
      }
  }
}

void ChartsPanel::reset(const TopologyGraph& graph, double duration_seconds)
{
  for (auto* chart : {&throughput_, &latency_, &errors_, &utilisation_, &waiting_, &hit_ratio_, &lag_}) {
    chart->chart->removeAllSeries();
    chart->chart->setTitle(chart->title);
    chart->lines.clear();
    chart->y_max = 0;
    chart->x->setRange(0, duration_seconds);
    chart->y->setRange(0, 1);
  }
  capacity_.clear();
  add_line(throughput_, kUsers, "answered", line_colour(0));
  add_line(latency_, kUsers, "mean", line_colour(2));
  add_line(errors_, kUsers, "all causes", QColor(200, 40, 40));
  for (auto* chart : {&throughput_, &latency_, &errors_}) {
    const auto it = before_.find(chart);
    if (!compare_ || it == before_.end() || !it->second.count(kUsers)) {
      chart->chart->legend()->hide();
      continue;
    }
    keep_before(*chart, it->second.at(kUsers));
  }
  // The users' median and 99th percentile beside their mean.
  add_line(latency_, kUsersP50, "p50", line_colour(1));
  add_line(latency_, kUsersP99, "p99", QColor(200, 40, 40));
  latency_.chart->legend()->show();
  std::size_t colour = 0;
  for (const auto& n : graph.nodes())
    if (n.capacity > 0) {
      capacity_[n.id] = n.capacity;
      add_line(utilisation_, n.id, QString::fromStdString(n.id), line_colour(colour));
      add_line(waiting_, n.id, QString::fromStdString(n.id), line_colour(colour++));
    }
  if (compare_) {
    keep_services_before(utilisation_);
    keep_services_before(waiting_);
  }
  hit_ratio_.y->setRange(0, 100);
  utilisation_.y->setRange(0, 100);
  utilisation_.y->setTickCount(5);
}

void ChartsPanel::keep_services_before(Chart& chart)
{
  const auto it = before_.find(&chart);
  if (it == before_.end())
    return;
  for (const auto& [service, points] : it->second) {
    const auto now = chart.lines.find(service);
    const QColor colour = now != chart.lines.end() ? now->second->pen().color() : QColor(120, 120, 120);
    QLineSeries* line = add_line(chart, service + " " + kBefore, QString::fromStdString(service) + " before", colour);
    line->setPen(QPen(colour, 1.5, Qt::DashLine));
    line->replace(points);
    // The legend names this run's lines; a dashed line of the same colour is the same service before.
    for (auto* marker : chart.chart->legend()->markers(line))
      marker->setVisible(false);
    for (const QPointF& p : points)
      chart.y_max = std::max(chart.y_max, p.y());
  }
  chart.y->setRange(0, chart.y_max > 0 ? chart.y_max * 1.1 : 1);
  chart.y->applyNiceNumbers();
  chart.chart->setTitle(chart.title + " (dashed: before)");
}

void ChartsPanel::keep_before(Chart& chart, const QList<QPointF>& before)
{
  QLineSeries* now = chart.lines.at(kUsers);
  now->setName("this run");
  QLineSeries* line = add_line(chart, kBefore, "before", QColor(120, 120, 120));
  QPen pen(QColor(120, 120, 120), 1.5, Qt::DashLine);
  line->setPen(pen);
  line->replace(before);
  for (const QPointF& p : before)
    chart.y_max = std::max(chart.y_max, p.y());
  chart.y->setRange(0, chart.y_max > 0 ? chart.y_max * 1.1 : 1);
  chart.y->applyNiceNumbers();
  chart.chart->legend()->show();
}

QList<QPointF> ChartsPanel::points(const QString& title, const QString& line) const
{
  for (const Chart* chart : {&throughput_, &latency_, &errors_, &utilisation_, &waiting_, &hit_ratio_, &lag_})
    if (chart->title == title)
      for (const auto& [key, series] : chart->lines)
        if (series->name() == line)
          return series->points();
  return {};
}

void ChartsPanel::append(Chart& chart, const std::string& key, double t, double value)
{
  const auto it = chart.lines.find(key);
  if (it == chart.lines.end())
    return;
  it->second->append(t, value);
  chart.y_max = std::max(chart.y_max, value);
  chart.y->setRange(0, chart.y_max > 0 ? chart.y_max * 1.1 : 1);
  chart.y->applyNiceNumbers();
}

void ChartsPanel::add(const IntervalSample& sample)
{
  // A point at the middle of its interval.
  const double t = (sample.time + sample.end) / 2;
  const double width = sample.end > sample.time ? sample.end - sample.time : 1;
  if (const auto u = sample.series.find(kUsers); u != sample.series.end()) {
    append(throughput_, kUsers, t, u->second.throughput);
    if (u->second.completed > 0)
      append(latency_, kUsers, t, u->second.latency_mean * 1e3);
    if (u->second.latency_p50 >= 0) {
      append(latency_, kUsersP50, t, u->second.latency_p50 * 1e3);
      append(latency_, kUsersP99, t, u->second.latency_p99 * 1e3);
    }
    append(errors_, kUsers, t, u->second.errors / width);
    // Each cause its own line from its first failure on (errors/s), beside their sum.
    for (const auto& [cause, n] : u->second.errors_by_cause) {
      append_new(errors_, cause, t, n / width);
      errors_.chart->legend()->show();
    }
    for (const auto& [key, line] : errors_.lines)
      if (key != kUsers && key != kBefore && !u->second.errors_by_cause.count(key))
        append(errors_, key, t, 0);
  }
  add_services(sample, t);
}

void ChartsPanel::add_services(const IntervalSample& sample, double t)
{
  for (const auto& [name, capacity] : capacity_)
    if (const auto s = sample.series.find(name); s != sample.series.end()) {
      append(utilisation_, name, t, 100 * s->second.in_service / capacity);
      utilisation_.y->setRange(0, 100); // a service holds at most its capacity
      utilisation_.y->setTickCount(5);
      append(waiting_, name, t, s->second.queue);
    }
  for (const auto& [name, s] : sample.series) {
    if (const double lookups = s.cache_hits + s.cache_misses; lookups > 0) {
      append_new(hit_ratio_, name, t, 100 * s.cache_hits / lookups);
      hit_ratio_.y->setRange(0, 100);
    }
    for (const auto& [replica, lag] : s.replica_lag)
      append_new(lag_, replica, t, lag * 1e3);
  }
}

void ChartsPanel::append_new(Chart& chart, const std::string& key, double t, double value)
{
  if (!chart.lines.count(key))
    add_line(chart, key, QString::fromStdString(key), line_colour(chart.lines.size()));
  append(chart, key, t, value);
}

} // namespace scalelab::gui
