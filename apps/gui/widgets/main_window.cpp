#include "main_window.hpp"

#include "charts_panel.hpp"
#include "diagram_view.hpp"
#include "run_process.hpp"

#include "scalelab/models/loader.hpp"

#include <QAction>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace scalelab::gui
{

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
  setWindowTitle("scalelab");
  diagram_ = new DiagramView(this);

  auto* text_panel = new QWidget(this);
  auto* text_layout = new QVBoxLayout(text_panel);
  text_layout->setContentsMargins(4, 4, 4, 4);
  text_title_ = new QLabel("YAML (read-only: editing comes later)", text_panel);
  problems_ = new QLabel(text_panel);
  problems_->setStyleSheet("color: #b01010;");
  problems_->setWordWrap(true);
  problems_->hide();
  text_ = new QPlainTextEdit(text_panel);
  text_->setReadOnly(true);
  text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  mono.setPointSize(9);
  text_->setFont(mono);
  text_layout->addWidget(text_title_);
  text_layout->addWidget(problems_);
  text_layout->addWidget(text_);

  auto* top = new QSplitter(Qt::Horizontal, this);
  top->addWidget(diagram_);
  top->addWidget(text_panel);
  top->setStretchFactor(0, 3);
  top->setStretchFactor(1, 1);
  top->setSizes({1150, 350});
  charts_ = new ChartsPanel(this);
  auto* main = new QSplitter(Qt::Vertical, this);
  main->addWidget(top);
  main->addWidget(charts_);
  main->setStretchFactor(0, 3);
  main->setStretchFactor(1, 1);
  main->setSizes({680, 240});
  setCentralWidget(main);

  process_ = new RunProcess(this);
  connect(process_, &RunProcess::sample, this, &MainWindow::on_sample);
  connect(process_, &RunProcess::finished, this, &MainWindow::on_finished);

  auto* bar = addToolBar("main");
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  auto* open = bar->addAction("Open…");
  connect(open, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open a topology", QFileInfo(file_).path(),
                                                      "Topologies (*.yaml *.yml);;All files (*)");
    if (!path.isEmpty())
      open_file(path);
  });
  run_action_ = bar->addAction("Run");
  connect(run_action_, &QAction::triggered, this, &MainWindow::run);
  stop_action_ = bar->addAction("Stop");
  connect(stop_action_, &QAction::triggered, this, &MainWindow::stop);
  auto* fit = bar->addAction("Fit");
  connect(fit, &QAction::triggered, diagram_, &DiagramView::fit);
  update_actions();
  resize(1500, 950);
}

bool MainWindow::open_file(const QString& path)
{
  if (running())
    stop();
  file_ = path;
  setWindowTitle(QFileInfo(path).fileName() + " - scalelab");
  QFile f(path);
  const bool readable = f.open(QIODevice::ReadOnly);
  const QString text = readable ? QString::fromUtf8(f.readAll()) : QString();
  text_->setPlainText(text);
  const auto loaded = readable ? models::load_topology_text(text.toStdString(), path.toStdString())
                               : models::load_topology_file(path.toStdString());
  QStringList problems;
  for (const auto& d : loaded.errors)
    problems << QString::fromStdString(d.format());
  problems_->setText(problems.join("\n"));
  problems_->setVisible(!problems.isEmpty());
  if (!loaded.spec) {
    graph_.reset();
    diagram_->set_graph(TopologyGraph());
    show_message(QString("%1: %2 problem(s), nothing to draw").arg(path).arg(problems.size()));
    update_actions();
    return false;
  }
  graph_ = TopologyGraph::from_spec(*loaded.spec);
  duration_ = models::to_seconds(loaded.spec->duration);
  warmup_ = models::to_seconds(loaded.spec->warmup);
  diagram_->set_graph(*graph_);
  charts_->reset(*graph_, duration_);
  show_message(QString("%1: %2 services, %3 hosts, %4 s simulated")
                   .arg(QString::fromStdString(loaded.spec->name))
                   .arg(loaded.spec->services.size())
                   .arg(loaded.spec->hardware.hosts.size())
                   .arg(duration_));
  update_actions();
  return true;
}

void MainWindow::run()
{
  if (!graph_)
    return;
  samples_ = 0;
  diagram_->clear_metrics();
  charts_->reset(*graph_, duration_);
  process_->start(file_);
  show_message("running " + QFileInfo(file_).fileName() + " …");
  update_actions();
}

void MainWindow::stop()
{
  process_->stop();
  update_actions();
}

void MainWindow::fit_diagram()
{
  diagram_->fit();
}

bool MainWindow::running() const
{
  return process_->running();
}

void MainWindow::on_sample(const IntervalSample& sample)
{
  ++samples_;
  charts_->add(sample);
  const double width = sample.end > sample.time ? sample.end - sample.time : 1;
  std::map<std::string, NodeMetrics> metrics;
  for (const auto& n : graph_->nodes()) {
    const auto s = sample.series.find(n.id);
    if (s == sample.series.end())
      continue;
    NodeMetrics m;
    m.throughput = s->second.throughput;
    m.errors_per_second = s->second.errors / width;
    m.latency_mean = s->second.latency_mean;
    m.queue = s->second.queue;
    if (n.capacity > 0)
      m.utilisation = s->second.in_service / n.capacity;
    metrics[n.id] = m;
  }
  diagram_->set_metrics(metrics);
  show_message(QString("t = %1 s of %2 s").arg(sample.end).arg(duration_));
}

void MainWindow::on_finished(bool ok, const QString& message)
{
  update_actions();
  if (!ok) {
    show_message("run " + (message.isEmpty() ? QString("failed") : message));
    emit run_finished(false);
    return;
  }
  // The measured window's figures (after the warm-up), with the p99 the stream does not carry.
  QFile f(process_->results_path());
  std::string error;
  const auto summary =
      f.open(QIODevice::ReadOnly) ? read_results_summary(f.readAll().toStdString(), error) : std::nullopt;
  if (summary) {
    std::map<std::string, NodeMetrics> metrics;
    for (const auto& [name, s] : *summary) {
      NodeMetrics m;
      m.throughput = s.throughput;
      m.errors_per_second = duration_ > warmup_ ? s.errors / (duration_ - warmup_) : 0;
      m.latency_mean = s.latency_mean;
      m.latency_p99 = s.latency_p99;
      m.queue = s.queue;
      if (s.has_utilisation)
        m.utilisation = s.utilisation;
      m.final = true;
      metrics[name] = m;
    }
    diagram_->set_metrics(metrics);
  }
  const auto users = summary ? summary->find("(users)") : decltype(summary->find(""))();
  if (summary && users != summary->end())
    show_message(QString("finished: %1 req/s answered, p99 %2 ms, %3 errors (measured after the %4 s warm-up)")
                     .arg(users->second.throughput, 0, 'f', 1)
                     .arg(users->second.latency_p99 * 1e3, 0, 'f', 1)
                     .arg(users->second.errors)
                     .arg(warmup_));
  else
    show_message("finished");
  emit run_finished(true);
}

void MainWindow::show_message(const QString& message)
{
  message_ = message;
  statusBar()->showMessage(message);
}

void MainWindow::update_actions()
{
  run_action_->setEnabled(graph_.has_value() && !running());
  stop_action_->setEnabled(running());
}

} // namespace scalelab::gui
