#include "main_window.hpp"

#include "charts_panel.hpp"
#include "diagram_view.hpp"
#include "document.hpp"
#include "follow_overlay.hpp"
#include "lesson_panel.hpp"
#include "palette.hpp"
#include "picture_export.hpp"
#include "playback.hpp"
#include "property_panel.hpp"
#include "run_controls.hpp"
#include "run_process.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/models/yaml_edit.hpp"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QStatusBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>

namespace scalelab::gui
{

namespace
{

// What a node shows of one interval.
std::map<std::string, NodeMetrics> interval_metrics(const TopologyGraph& graph, const IntervalSample& sample)
{
  const double width = sample.end > sample.time ? sample.end - sample.time : 1;
  std::map<std::string, NodeMetrics> metrics;
  for (const auto& n : graph.nodes()) {
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
  return metrics;
}

std::map<std::pair<std::string, std::string>, double> interval_rates(const IntervalSample& sample)
{
  const double width = sample.end > sample.time ? sample.end - sample.time : 1;
  std::map<std::pair<std::string, std::string>, double> rates;
  for (const auto& e : sample.edges)
    rates[{e.from, e.to}] = e.requests / width;
  return rates;
}

std::optional<std::map<std::string, ServiceSummary>> read_summary(const QString& results_path)
{
  QFile f(results_path);
  std::string error;
  return f.open(QIODevice::ReadOnly) ? read_results_summary(f.readAll().toStdString(), error) : std::nullopt;
}

// The users' figures in a line: "1500.0 req/s answered, p99 12.3 ms, 0 errors" (empty without them).
QString users_figures(const std::optional<std::map<std::string, ServiceSummary>>& summary)
{
  const auto users = summary ? summary->find("(users)") : decltype(summary->find(""))();
  if (!summary || users == summary->end())
    return {};
  return QString("%1 req/s answered, p99 %2 ms, %3 errors")
      .arg(users->second.throughput, 0, 'f', 1)
      .arg(users->second.latency_p99 * 1e3, 0, 'f', 1)
      .arg(users->second.errors);
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
  setWindowTitle("scalelab");
  document_ = new Document(this);
  diagram_ = new DiagramView(this);
  diagram_->setAcceptDrops(true);
  palette_ = new Palette(this);
  QWidget* text_panel = build_text_panel();
  build_properties();
  build_layout(text_panel);

  lesson_ = new LessonPanel(this);
  connect(lesson_, &LessonPanel::challenge_requested, this, [this] {
    if (save()) // the challenge grades the file as the editor shows it
      lesson_->grade_challenge(document().path());
  });
  connect(lesson_, &LessonPanel::experiment_done, this, [this](bool, int plots) {
    if (plots > 0 && lesson_dock_->width() < width() * 2 / 5) // the plots are read at a third of the window or more
      resizeDocks({lesson_dock_}, {width() * 2 / 5}, Qt::Horizontal);
  });
  lesson_dock_ = new QDockWidget("Lesson", this);
  lesson_dock_->setWidget(lesson_);
  lesson_->setMinimumWidth(360); // the README reads as a column of text
  addDockWidget(Qt::LeftDockWidgetArea, lesson_dock_);
  lesson_dock_->hide();

  process_ = new RunProcess(this);
  before_process_ = new RunProcess(this);
  connect(before_process_, &RunProcess::sample, this, [this](const IntervalSample& sample) {
    if (before_coming_)
      before_coming_->samples.push_back(sample);
  });
  connect(before_process_, &RunProcess::finished, this, &MainWindow::on_before_finished);
  connect(diagram_, &DiagramView::break_requested, this, [this](const QString& id, BreakKind kind) {
    if (const QString error = break_node(id, kind); !error.isEmpty())
      show_message(error);
  });

  auto* bar = addToolBar("main");
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  add_file_actions(bar);
  bar->addSeparator();
  add_undo_actions(bar);
  text_->installEventFilter(this);
  bar->addSeparator();
  run_action_ = bar->addAction("Run");
  connect(run_action_, &QAction::triggered, this, &MainWindow::run);
  stop_action_ = bar->addAction("Stop");
  connect(stop_action_, &QAction::triggered, this, &MainWindow::stop);
  controls_ = new RunControls(*process_, *bar, this);
  connect(controls_, &RunControls::shown, this, &MainWindow::on_sample);
  connect(controls_, &RunControls::ended, this, &MainWindow::on_finished);
  connect(controls_, &RunControls::replay_to, this, &MainWindow::replay_to);
  connect(controls_, &RunControls::held, this, [this](bool on) {
    diagram_->set_flowing(!on);
    before_diagram_->set_flowing(!on);
  });
  bar->addSeparator();
  auto* fit = bar->addAction("Fit");
  connect(fit, &QAction::triggered, diagram_, &DiagramView::fit);
  connect(bar->addAction("Lesson…"), &QAction::triggered, this, [this] {
    const QString start = QDir(QCoreApplication::applicationDirPath()).exists("../../../experiments/lessons")
                              ? QDir(QCoreApplication::applicationDirPath()).filePath("../../../experiments/lessons")
                              : QString();
    const QString dir = QFileDialog::getExistingDirectory(this, "Open a lesson (experiments/lessons/NN-name)", start);
    if (!dir.isEmpty())
      open_lesson(dir);
  });
  compare_action_ = bar->addAction("Compare");
  compare_action_->setCheckable(true);
  compare_action_->setToolTip("Show the run before beside the next one: its diagram at the same time, its lines in "
                              "the charts");
  connect(compare_action_, &QAction::toggled, this, &MainWindow::set_compare);
  follow_ = new FollowRun(*diagram_, this);
  connect(follow_, &FollowRun::finished, this, [this](bool ok, const QString& message) {
    show_message(message);
    emit follow_finished(ok);
  });
  auto* follow_action = bar->addAction("Follow…");
  follow_action->setToolTip("Run the file again and draw one request's path: its wait, service and travel at each hop");
  connect(follow_action, &QAction::triggered, this, [this] {
    bool ok = false;
    const int index = QInputDialog::getInt(
        this, "Follow a request", "The users' request number (1 = the first sent):", 1000, 1, 2000000000, 1, &ok);
    if (ok)
      if (const QString error = follow_request(static_cast<std::uint64_t>(index)); !error.isEmpty())
        show_message(error);
  });
  auto* compare_with = bar->addAction("Compare with…");
  compare_with->setToolTip("Run another topology file as the run before, to compare the next run with");
  connect(compare_with, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Compare with the run of", QFileInfo(file_).path(),
                                                      "Topologies (*.yaml *.yml);;All files (*)");
    if (!path.isEmpty())
      if (const QString error = run_before(path); !error.isEmpty())
        show_message(error);
  });
  bar->addSeparator();
  add_canvas_actions(bar);
  bar->addSeparator();
  add_export_actions(bar);
  connect_canvas();
  update_actions();
  resize(1500, 950);
}

// The YAML text, its title and the loader's problems above it; what is typed is read after a pause.
QWidget* MainWindow::build_text_panel()
{
  auto* text_panel = new QWidget(this);
  auto* text_layout = new QVBoxLayout(text_panel);
  text_layout->setContentsMargins(4, 4, 4, 4);
  text_title_ = new QLabel("<b>YAML</b> (edit here or in the properties)", text_panel);
  problems_ = new QLabel(text_panel);
  problems_->setStyleSheet("color: #b01010;");
  problems_->setWordWrap(true);
  problems_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  problems_->hide();
  text_ = new QPlainTextEdit(text_panel);
  text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  text_->setUndoRedoEnabled(false); // the document's undo stack holds every edit, typed or not
  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  mono.setPointSize(9);
  text_->setFont(mono);
  text_layout->addWidget(text_title_);
  text_layout->addWidget(problems_);
  text_layout->addWidget(text_);
  typing_ = new QTimer(this);
  typing_->setSingleShot(true);
  typing_->setInterval(600);
  connect(typing_, &QTimer::timeout, this, &MainWindow::commit_text_edit);
  connect(text_, &QPlainTextEdit::textChanged, this, [this] {
    if (!syncing_text_)
      typing_->start();
  });
  return text_panel;
}

// The property panel, and the selection shared by it and the diagram.
void MainWindow::build_properties()
{
  properties_ = new PropertyPanel(*document_, this);
  connect(document_, &Document::changed, this, &MainWindow::on_document_changed);
  connect(document_, &Document::modified_changed, this, &MainWindow::update_title);
  connect(diagram_, &DiagramView::node_clicked, this, [this](const QString& id) {
    commit_text_edit();
    properties_->select(id);
  });
  connect(properties_, &PropertyPanel::service_selected, this,
          [this](const QString& id) { diagram_->select(id.toStdString()); });
}

// The diagram, the properties and the text side by side above the charts.
void MainWindow::build_layout(QWidget* text_panel)
{
  auto* top = new QSplitter(Qt::Horizontal, this);
  auto* canvas = new QWidget(this);
  auto* canvas_layout = new QVBoxLayout(canvas);
  canvas_layout->setContentsMargins(0, 0, 0, 0);
  canvas_layout->setSpacing(2);
  canvas_layout->addWidget(palette_);
  build_before_view(canvas);
  top->addWidget(canvas);
  top->addWidget(properties_);
  top->addWidget(text_panel);
  top->setStretchFactor(0, 3);
  top->setStretchFactor(1, 1);
  top->setStretchFactor(2, 1);
  top->setSizes({800, 330, 370});
  charts_ = new ChartsPanel(this);
  auto* main = new QSplitter(Qt::Vertical, this);
  main->addWidget(top);
  main->addWidget(charts_);
  main->setStretchFactor(0, 3);
  main->setStretchFactor(1, 1);
  main->setSizes({680, 240});
  setCentralWidget(main);
}

// The diagram, and above it (when comparing) the run before's, read-only, each under its title: one above the other,
// since the layered diagrams are wider than high.
void MainWindow::build_before_view(QWidget* canvas)
{
  auto* diagrams = new QSplitter(Qt::Vertical, canvas);
  diagrams_ = diagrams;
  const auto titled = [diagrams](DiagramView* view, QLabel*& title) {
    auto* panel = new QWidget(diagrams);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    title = new QLabel(panel);
    title->setContentsMargins(6, 2, 6, 2);
    layout->addWidget(title);
    layout->addWidget(view);
    diagrams->addWidget(panel);
    return panel;
  };
  before_diagram_ = new DiagramView(canvas);
  before_diagram_->set_read_only(true);
  before_panel_ = titled(before_diagram_, before_title_);
  titled(diagram_, this_title_);
  diagrams->setStretchFactor(0, 1);
  diagrams->setStretchFactor(1, 1);
  before_panel_->hide();
  this_title_->hide();
  canvas->layout()->addWidget(diagrams);
}

// Open…, Save, Save as….
void MainWindow::add_file_actions(QToolBar* bar)
{
  auto* open = bar->addAction("Open…");
  open->setShortcut(QKeySequence::Open);
  connect(open, &QAction::triggered, this, [this] {
    if (!maybe_save())
      return;
    const QString path = QFileDialog::getOpenFileName(this, "Open a topology", QFileInfo(file_).path(),
                                                      "Topologies (*.yaml *.yml);;All files (*)");
    if (!path.isEmpty())
      open_file(path);
  });
  auto* save_action = bar->addAction("Save");
  save_action->setShortcut(QKeySequence::Save);
  connect(save_action, &QAction::triggered, this, &MainWindow::save);
  auto* save_as_action = bar->addAction("Save as…");
  save_as_action->setShortcut(QKeySequence::SaveAs);
  connect(save_as_action, &QAction::triggered, this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, "Save the topology as", file_, "Topologies (*.yaml *.yml);;All files (*)");
    if (!path.isEmpty())
      save_as(path);
  });
}

// Copy, Paste and Delete: of the selected service, from the tool bar or with the keys on the canvas (the text
// view keeps its own copy and paste).
void MainWindow::add_canvas_actions(QToolBar* bar)
{
  const auto add = [this, bar](const QString& label, QKeySequence::StandardKey key, QString (MainWindow::*act)()) {
    auto* action = bar->addAction(label);
    action->setToolTip(label + " the selected service");
    auto* keyed = new QAction(label, diagram_);
    keyed->setShortcut(key);
    keyed->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    diagram_->addAction(keyed);
    for (QAction* a : {action, keyed})
      connect(a, &QAction::triggered, this, [this, act] { (this->*act)(); });
  };
  add("Copy", QKeySequence::Copy, &MainWindow::copy_selected);
  add("Paste", QKeySequence::Paste, &MainWindow::paste);
  add("Delete", QKeySequence::Delete, &MainWindow::delete_selected);
}

// The canvas's gestures and the palette's kinds, as edits of the document.
void MainWindow::connect_canvas()
{
  connect(diagram_, &DiagramView::nodes_moved, this, [this](const QStringList& ids, const QList<QPointF>& centres) {
    NodePositions moves;
    for (qsizetype i = 0; i < ids.size() && i < centres.size(); ++i)
      moves[ids[i].toStdString()] = {centres[i].x(), centres[i].y()};
    move_nodes(moves);
  });
  connect(diagram_, &DiagramView::connect_requested, this,
          [this](const QString& from, const QString& to) { connect_nodes(from, to); });
  connect(diagram_, &DiagramView::kind_dropped, this,
          [this](const QString& kind, double x, double y) { drop_kind(kind, x, y); });
  connect(palette_, &Palette::kind_clicked, this, [this](const QString& kind) { add_kind(kind); });
  connect(diagram_, &DiagramView::host_moved, this,
          [this](const QString& entry, const QString& zone) { move_host(entry, zone); });
  connect(diagram_, &DiagramView::replica_requested, this,
          [this](const QString& database, const QString& host) { add_replica(database, host); });
}

QString MainWindow::edited(const QString& error)
{
  if (!error.isEmpty()) {
    show_message(error);
    return error;
  }
  show_message(document_->last_edit());
  if (!document_->last_added().isEmpty() && diagram_current_)
    properties_->select(document_->last_added());
  return {};
}

QString MainWindow::move_node(const QString& id, double x, double y)
{
  return move_nodes({{id.toStdString(), {x, y}}});
}

QString MainWindow::move_nodes(const NodePositions& moves)
{
  commit_text_edit();
  return edited(document_->move_nodes(moves));
}

QString MainWindow::move_host(const QString& entry, const QString& zone)
{
  commit_text_edit();
  return edited(document_->move_host(entry, zone));
}

QString MainWindow::drop_kind(const QString& kind, double x, double y)
{
  commit_text_edit();
  if (!diagram_current_)
    return edited("the text has problems: fix them first");
  return edited(document_->drop_service(kind, x, y));
}

QString MainWindow::add_kind(const QString& kind)
{
  const QPointF at = diagram_->mapToScene(diagram_->viewport()->rect().center());
  return drop_kind(kind, at.x(), at.y());
}

QString MainWindow::connect_nodes(const QString& from, const QString& to)
{
  commit_text_edit();
  if (!graph_ || !diagram_current_)
    return edited("the text has problems: fix them first");
  return edited(document_->connect_nodes(*graph_, from, to));
}

QString MainWindow::add_replica(const QString& database, const QString& host)
{
  commit_text_edit();
  if (!graph_ || !diagram_current_)
    return edited("the text has problems: fix them first");
  return edited(document_->add_replica(*graph_, database, host));
}

QString MainWindow::copy_selected()
{
  const QString name = properties_->selected();
  const std::string definition = copy_service(document_->text().toStdString(), name.toStdString());
  if (name.isEmpty() || definition.empty())
    return edited("select a service to copy");
  clipboard_name_ = name;
  clipboard_definition_ = QString::fromStdString(definition);
  QApplication::clipboard()->setText(name + ": " + clipboard_definition_ + "\n");
  show_message("copied " + name);
  return {};
}

QString MainWindow::paste()
{
  commit_text_edit();
  if (clipboard_definition_.isEmpty())
    return edited("nothing copied to paste");
  if (!diagram_current_)
    return edited("the text has problems: fix them first");
  // Beside the service copied, when it is drawn.
  std::optional<std::pair<double, double>> at;
  if (graph_ && graph_->find(clipboard_name_.toStdString())) {
    const QPointF p = diagram_->node_position(clipboard_name_.toStdString());
    at = std::make_pair(p.x() + 40, p.y() + 40);
  }
  return edited(document_->paste_service(clipboard_name_, clipboard_definition_, at));
}

QString MainWindow::delete_selected()
{
  commit_text_edit();
  const QString name = properties_->selected();
  if (name.isEmpty())
    return edited("select a service to delete");
  return edited(document_->delete_service(name));
}

// Export diagram… and Export charts…: PNG or SVG, by the suffix chosen.
void MainWindow::add_export_actions(QToolBar* bar)
{
  const auto add = [this, bar](const QString& label, const QString& what,
                               QString (MainWindow::*write)(const QString&)) {
    connect(bar->addAction(label), &QAction::triggered, this, [this, what, write] {
      const QString base = QFileInfo(file_).completeBaseName() + "-" + what;
      const QString path =
          QFileDialog::getSaveFileName(this, "Export the " + what, base + ".svg", "SVG (*.svg);;PNG (*.png)");
      if (path.isEmpty())
        return;
      if (const QString error = (this->*write)(path); !error.isEmpty())
        show_message(error);
    });
  };
  add("Export diagram…", "diagram", &MainWindow::export_diagram);
  add("Export charts…", "charts", &MainWindow::export_charts);
}

QString MainWindow::export_diagram(const QString& path)
{
  return export_scene(*diagram_->scene(), path, QFileInfo(file_).fileName());
}

QString MainWindow::export_charts(const QString& path)
{
  return export_widget(*charts_, path, QFileInfo(file_).fileName() + ": charts");
}

// Undo and redo read the text typed so far first (one step of its own), whichever widget has the focus.
void MainWindow::add_undo_actions(QToolBar* bar)
{
  auto* stack = document_->undo_stack();
  auto* undo = bar->addAction("Undo", this, &MainWindow::undo);
  undo->setShortcut(QKeySequence::Undo);
  auto* redo = bar->addAction("Redo", this, &MainWindow::redo);
  redo->setShortcut(QKeySequence::Redo);
  auto update_undo = [this, stack, undo, redo] {
    undo->setEnabled(stack->canUndo() || text_->toPlainText() != document_->text());
    undo->setText(stack->canUndo() ? "Undo " + stack->undoText() : QString("Undo"));
    redo->setEnabled(stack->canRedo());
    redo->setText(stack->canRedo() ? "Redo " + stack->redoText() : QString("Redo"));
  };
  connect(stack, &QUndoStack::indexChanged, this, update_undo);
  connect(text_, &QPlainTextEdit::textChanged, this, update_undo);
  update_undo();
}

bool MainWindow::open_file(const QString& path)
{
  if (running())
    stop();
  typing_->stop();
  file_ = path;
  graph_.reset();
  diagram_->set_graph(TopologyGraph());
  diagram_->fit();
  QString error;
  if (!document_->open(path, error)) {
    problems_list_ = QStringList{path + ": " + error};
    problems_->setText(problems_list_.join("\n"));
    problems_->show();
    syncing_text_ = true;
    text_->clear();
    syncing_text_ = false;
    show_message(QString("%1: %2").arg(path, error));
    update_actions();
    return false;
  }
  diagram_->fit();
  return graph_.has_value();
}

void MainWindow::on_document_changed()
{
  sync_text_view();
  file_ = document_->path();
  const auto loaded = models::load_topology_text(document_->text().toStdString(), file_.toStdString());
  problems_list_.clear();
  for (const auto& d : loaded.errors)
    problems_list_ << QString::fromStdString(d.format());
  problems_->setText(problems_list_.join("\n"));
  problems_->setVisible(!problems_list_.isEmpty());
  // The lines the messages are about, marked in the text.
  QList<QTextEdit::ExtraSelection> marks;
  for (const auto& d : loaded.errors) {
    const QTextBlock block = text_->document()->findBlockByNumber(d.where.line - 1);
    if (d.where.line <= 0 || !block.isValid())
      continue;
    QTextEdit::ExtraSelection mark;
    mark.format.setBackground(QColor(255, 220, 220));
    mark.format.setProperty(QTextFormat::FullWidthSelection, true);
    mark.cursor = QTextCursor(block);
    marks << mark;
  }
  text_->setExtraSelections(marks);
  properties_->refresh(loaded.errors);
  diagram_current_ = loaded.spec.has_value();
  if (!loaded.spec) {
    show_message(graph_
                     ? QString("%1 problem(s): the diagram shows the text as it last loaded").arg(problems_list_.size())
                     : QString("%1: %2 problem(s), nothing to draw").arg(file_).arg(problems_list_.size()));
    update_actions();
    update_title();
    return;
  }
  graph_ = TopologyGraph::from_spec(*loaded.spec, read_positions(document_->text().toStdString()));
  duration_ = models::to_seconds(loaded.spec->duration);
  warmup_ = models::to_seconds(loaded.spec->warmup);
  diagram_->set_graph(*graph_);
  diagram_->select(properties_->selected().toStdString());
  if (!running())
    charts_->reset(*graph_, duration_);
  show_message(QString("%1: %2 services, %3 hosts, %4 s simulated")
                   .arg(QString::fromStdString(loaded.spec->name))
                   .arg(loaded.spec->services.size())
                   .arg(loaded.spec->hardware.hosts.size())
                   .arg(duration_));
  update_actions();
  update_title();
}

// The text view shows the document: only the span that differs is replaced, so the cursor and the scroll stay.
void MainWindow::sync_text_view()
{
  const QString now = text_->toPlainText();
  const QString& wanted = document_->text();
  if (now == wanted)
    return;
  qsizetype prefix = 0;
  const qsizetype shorter = std::min(now.size(), wanted.size());
  while (prefix < shorter && now[prefix] == wanted[prefix])
    ++prefix;
  qsizetype suffix = 0;
  while (suffix < shorter - prefix && now[now.size() - 1 - suffix] == wanted[wanted.size() - 1 - suffix])
    ++suffix;
  syncing_text_ = true;
  QTextCursor cursor(text_->document());
  cursor.setPosition(static_cast<int>(prefix));
  cursor.setPosition(static_cast<int>(now.size() - suffix), QTextCursor::KeepAnchor);
  cursor.insertText(wanted.mid(prefix, wanted.size() - suffix - prefix));
  // The view shows the line of the edit from its start (an edit in the panel, an undo).
  text_->setTextCursor(cursor);
  text_->ensureCursorVisible();
  text_->horizontalScrollBar()->setValue(0);
  syncing_text_ = false;
  typing_->stop();
}

// Before the document is left (another file opened, the window closed): its edits saved, dropped, or kept open.
bool MainWindow::maybe_save()
{
  commit_text_edit();
  if (!document_->modified())
    return true;
  const auto answer = QMessageBox::question(
      this, "Unsaved edits", QFileInfo(file_).fileName() + " has edits that are not saved. Save them?",
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save)
    return save();
  return answer == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
  if (maybe_save())
    event->accept();
  else
    event->ignore();
}

void MainWindow::undo()
{
  commit_text_edit();
  document_->undo_stack()->undo();
}

void MainWindow::redo()
{
  commit_text_edit();
  document_->undo_stack()->redo();
}

// The text view would take Ctrl+Z for its own undo (which is off): the document's undo runs instead.
bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
  if (watched == text_ && (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress)) {
    auto* key = static_cast<QKeyEvent*>(event);
    const bool is_undo = key->matches(QKeySequence::Undo), is_redo = key->matches(QKeySequence::Redo);
    if (is_undo || is_redo) {
      if (event->type() == QEvent::KeyPress) {
        if (is_undo)
          undo();
        else
          redo();
      }
      event->accept();
      return true;
    }
  }
  return QMainWindow::eventFilter(watched, event);
}

void MainWindow::commit_text_edit()
{
  typing_->stop();
  if (document_->path().isEmpty())
    return;
  document_->replace_text(text_->toPlainText(), "edit the text");
}

bool MainWindow::save()
{
  return save_as(document_->path());
}

bool MainWindow::save_as(const QString& path)
{
  commit_text_edit();
  QString error;
  if (path.isEmpty() || !document_->save_as(path, error)) {
    show_message("cannot save " + path + ": " + error);
    return false;
  }
  file_ = path;
  update_title();
  show_message("saved " + path);
  return true;
}

void MainWindow::update_title()
{
  if (file_.isEmpty())
    return;
  setWindowTitle(QFileInfo(file_).fileName() + (document_->modified() ? "*" : "") + " - scalelab");
}

void MainWindow::run()
{
  commit_text_edit();
  if (!graph_ || !diagram_current_)
    return;
  // scalelab runs the file: the edits are saved first.
  if (document_->modified() && !save())
    return;
  samples_ = 0;
  run_time_ = 0;
  current_ = RunRecord{*graph_, duration_, warmup_, QFileInfo(file_).fileName(), {}, std::nullopt, {}};
  before_ = last_run_;
  diagram_->clear_metrics();
  show_before();
  charts_->reset(*graph_, duration_);
  controls_->start(duration_);
  process_->start(file_);
  show_message("running " + QFileInfo(file_).fileName() + " …");
  update_actions();
}

QString MainWindow::follow_request(std::uint64_t index)
{
  commit_text_edit();
  if (!graph_ || !diagram_current_)
    return "the text has problems: fix them first";
  if (document_->modified() && !save()) // scalelab runs the file
    return "not saved";
  follow_->start(file_, index);
  show_message(QString("following request %1 of %2 …").arg(index).arg(QFileInfo(file_).fileName()));
  return {};
}

QString MainWindow::break_node(const QString& id, BreakKind kind)
{
  commit_text_edit();
  if (!graph_ || !diagram_current_)
    return "the text has problems: fix them first";
  const auto& nodes = graph_->nodes();
  const auto node =
      std::find_if(nodes.begin(), nodes.end(), [&](const GraphNode& n) { return n.id == id.toStdString(); });
  if (node == nodes.end() || !breakable(*node))
    return id + " cannot be broken";
  const bool was_running = running();
  const double at = was_running ? run_time_ : warmup_ + (duration_ - warmup_) / 2;
  const QString what = QString::fromStdString(break_label(*node, kind));
  std::string text = document_->text().toStdString();
  for (const auto& item : break_faults(*node, kind, at)) {
    auto edit = models::append_yaml_item(text, {"faults"}, item);
    if (!edit.error.empty())
      return QString::fromStdString(edit.error);
    text = std::move(edit.text);
  }
  // The loader may refuse it (a crash while one of the file's own faults holds): then nothing is added.
  const auto loaded = models::load_topology_text(text, file_.toStdString());
  if (!loaded.spec)
    return "cannot " + what + QString(" at %1 s: ").arg(at) +
           QString::fromStdString(loaded.errors.empty() ? "" : loaded.errors.front().format());
  document_->replace_text(QString::fromStdString(text), what);
  show_message(what + QString(" at %1 s added to faults").arg(at));
  if (was_running) {
    run_again();
    if (running()) // up to the fault the new run is the one seen: shown at once, then it plays on
      controls_->catch_up_to(at);
  }
  return {};
}

void MainWindow::run_again()
{
  restarting_ = true;
  stop();
  restarting_ = false;
  run();
}

void MainWindow::replay_to(double t)
{
  run_again();
  if (running())
    controls_->play_to(t);
}

bool MainWindow::open_lesson(const QString& directory)
{
  QString error;
  if (!lesson_->open(directory, error)) {
    show_message(error);
    return false;
  }
  if (!open_file(QDir(directory).filePath("topology.yaml")))
    return false;
  lesson_dock_->setWindowTitle("Lesson: " + lesson_->title());
  lesson_dock_->show();
  return true;
}

void MainWindow::set_compare(bool on)
{
  charts_->set_compare(on);
  if (compare_action_->isChecked() != on)
    compare_action_->setChecked(on);
  show_before();
}

bool MainWindow::before_shown() const
{
  return !before_panel_->isHidden();
}

void MainWindow::show_before()
{
  const bool on = charts_->compare() && before_;
  if (on && before_panel_->isHidden()) { // half each
    const int height = std::max(diagrams_->height(), 2);
    diagrams_->setSizes({height / 2, height - height / 2});
  }
  before_panel_->setVisible(on);
  this_title_->setVisible(on);
  if (!on)
    return;
  before_title_->setText(QString("<b>before</b>: %1 &nbsp; <i>%2</i>").arg(before_->name, before_->figures));
  this_title_->setText(QString("<b>this run</b>: %1").arg(QFileInfo(file_).fileName()));
  before_diagram_->set_graph(before_->graph);
  // At this run's time: nothing yet at its start, the run before's end once this one has ended.
  if (!running() && current_ && !current_->samples.empty())
    show_end(*before_diagram_, *before_);
  else if (const IntervalSample* at = sample_at(before_->samples, run_time_)) {
    before_diagram_->set_metrics(interval_metrics(before_->graph, *at));
    before_diagram_->set_edge_rates(interval_rates(*at), running() && !controls_->paused());
  }
  before_diagram_->fit();
}

void MainWindow::show_end(DiagramView& view, const RunRecord& run)
{
  if (run.summary) {
    std::map<std::string, NodeMetrics> metrics;
    for (const auto& [name, s] : *run.summary) {
      NodeMetrics m;
      m.throughput = s.throughput;
      m.errors_per_second = run.duration > run.warmup ? s.errors / (run.duration - run.warmup) : 0;
      m.latency_mean = s.latency_mean;
      m.latency_p99 = s.latency_p99;
      m.queue = s.queue;
      if (s.has_utilisation)
        m.utilisation = s.utilisation;
      m.final = true;
      metrics[name] = m;
    }
    view.set_metrics(metrics);
  }
  // The edges' exact counts over the measured window (the intervals after the warm-up), per second.
  view.set_edge_rates(measured_edge_rates(run.samples, run.warmup, run.duration), false);
}

QString MainWindow::run_before(const QString& path)
{
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly))
    return "cannot read " + path;
  const std::string text = f.readAll().toStdString();
  const auto loaded = models::load_topology_text(text, path.toStdString());
  if (!loaded.spec)
    return path + ": " + QString::fromStdString(loaded.errors.empty() ? "" : loaded.errors.front().format());
  before_process_->stop(); // one coming at a time
  before_coming_ = RunRecord{TopologyGraph::from_spec(*loaded.spec, read_positions(text)),
                             models::to_seconds(loaded.spec->duration),
                             models::to_seconds(loaded.spec->warmup),
                             QFileInfo(path).fileName(),
                             {},
                             std::nullopt,
                             {}};
  before_process_->start(path);
  show_message("running " + QFileInfo(path).fileName() + " to compare with …");
  return {};
}

void MainWindow::on_before_finished(bool ok, const QString& message)
{
  if (!before_coming_)
    return;
  if (ok) {
    before_coming_->summary = read_summary(before_process_->results_path());
    before_coming_->figures = users_figures(before_coming_->summary);
    last_run_ = std::move(before_coming_);
    charts_->set_before(last_run_->samples, last_run_->graph);
    if (!running())
      before_ = last_run_; // its diagram beside what the window shows, as its lines are in the charts
    set_compare(true);
    if (!running() && graph_) // its lines in the charts at once
      charts_->reset(*graph_, duration_);
    show_message(QString("the run before: %1, %2").arg(last_run_->name, last_run_->figures));
  } else {
    show_message("the run to compare with " + (message.isEmpty() ? QString("failed") : message));
  }
  before_coming_.reset();
  emit before_ready(ok);
}

void MainWindow::stop()
{
  controls_->stop();
  update_actions();
}

void MainWindow::fit_diagram()
{
  diagram_->fit();
}

bool MainWindow::running() const
{
  return controls_->busy();
}

void MainWindow::on_sample(const IntervalSample& sample)
{
  ++samples_;
  run_time_ = sample.end;
  if (current_)
    current_->samples.push_back(sample);
  charts_->add(sample);
  diagram_->set_metrics(interval_metrics(current_ ? current_->graph : *graph_, sample));
  diagram_->set_edge_rates(interval_rates(sample), true);
  // The run before at the same simulated time.
  if (before_shown())
    if (const IntervalSample* at = sample_at(before_->samples, sample.end)) {
      before_diagram_->set_metrics(interval_metrics(before_->graph, *at));
      before_diagram_->set_edge_rates(interval_rates(*at), true);
      before_diagram_->set_flowing(diagram_->flowing());
    }
  show_message(QString("t = %1 s of %2 s").arg(sample.end).arg(duration_));
}

void MainWindow::on_finished(bool ok, const QString& message)
{
  if (restarting_)
    return;
  update_actions();
  if (!ok || !current_) {
    diagram_->set_flowing(false);
    before_diagram_->set_flowing(false);
    show_message("run " + (message.isEmpty() ? QString("failed") : message));
    emit run_finished(false);
    return;
  }
  // The measured window's figures (after the warm-up), with the p99 the stream does not carry.
  current_->summary = read_summary(process_->results_path());
  current_->figures = users_figures(current_->summary);
  show_end(*diagram_, *current_);
  if (before_shown()) {
    show_end(*before_diagram_, *before_);
    this_title_->setText(QString("<b>this run</b>: %1 &nbsp; <i>%2</i>").arg(current_->name, current_->figures));
  }
  if (!current_->figures.isEmpty()) {
    const QString before =
        charts_->compare() && before_ && !before_->figures.isEmpty() ? "; before: " + before_->figures : "";
    show_message(
        QString("finished: %1 (measured after the %2 s warm-up)%3").arg(current_->figures).arg(warmup_).arg(before));
  } else {
    show_message("finished");
  }
  // The next run is compared with this one.
  last_run_ = current_;
  charts_->set_before(last_run_->samples, last_run_->graph);
  emit run_finished(true);
}

void MainWindow::show_message(const QString& message)
{
  message_ = message;
  statusBar()->showMessage(message);
}

void MainWindow::update_actions()
{
  run_action_->setEnabled(graph_.has_value() && diagram_current_ && !running());
  stop_action_->setEnabled(running());
}

} // namespace scalelab::gui
