#pragma once
// scalelab-gui's window: the diagram of the open topology, the property panel of the selected service and the
// YAML text (both edit the document, and each shows the other's edits), the live charts below, and Open / Save /
// Save as / Undo / Redo / Run / Stop / Fit / Compare / Export in the tool bar.
#include "break_it.hpp"
#include "stream.hpp"
#include "topology_graph.hpp"

#include <QMainWindow>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

QT_BEGIN_NAMESPACE
class QAction;
class QDockWidget;
class QLabel;
class QPlainTextEdit;
class QSplitter;
class QTimer;
class QToolBar;
QT_END_NAMESPACE

namespace scalelab::gui
{

class ChartsPanel;
class DiagramView;
class Document;
class FollowRun;
class LessonPanel;
class Palette;
class PropertyPanel;
class RunControls;
class RunProcess;

class MainWindow : public QMainWindow
{
  Q_OBJECT
public:
  explicit MainWindow(QWidget* parent = nullptr);

  // Loads the file into the diagram and the text view; false (with the loader's messages shown) on a bad file.
  bool open_file(const QString& path);
  void run();
  void stop();
  void fit_diagram();
  // The whole diagram, or the charts, as a PNG or an SVG file (by the name's suffix); what went wrong, or empty.
  QString export_diagram(const QString& path);
  QString export_charts(const QString& path);
  // Break it: the node's fault added to the document's `faults:` at the time shown (the middle of the measured
  // window when no run is going on), one undo step; a run going on starts again with it, is shown at once up to
  // that time (the same seed replays the same run up to there) and plays on from there. What went wrong, or empty.
  QString break_node(const QString& id, BreakKind kind);
  // Follow a request: the index-th request the users send, run on its own and its path drawn on the diagram
  // (follow_finished() when it is, the summary on the status line). What went wrong at once, or empty.
  QString follow_request(std::uint64_t index);
  FollowRun& follow() const { return *follow_; }
  // Compare: the next run's charts keep the run before beside it, and its summary says what the run before gave.
  // Compare: the next run is shown beside the run before (the last run that went to its end): its diagram, at the
  // same simulated time, and its lines in the charts; the summary says what the run before gave.
  void set_compare(bool on);
  // Runs another topology file to its end without showing it and makes it the run before, with Compare on: two
  // files compared without editing between runs. before_ready(ok) when it is there. What went wrong, or empty.
  QString run_before(const QString& path);
  // The run before's diagram, shown beside this run's when comparing.
  DiagramView& before_diagram() const { return *before_diagram_; }
  bool before_shown() const;
  const ChartsPanel& charts() const { return *charts_; }
  RunControls& run_controls() { return *controls_; }
  // A lesson of the course: its topology in the editor, its text and questions beside it. False (with the
  // message shown) when the directory holds no lesson.
  bool open_lesson(const QString& directory);
  LessonPanel& lesson() const { return *lesson_; }

  // The text typed in the text view becomes one undo step and is read again (done by itself after a pause in
  // the typing; tests call it).
  void commit_text_edit();
  bool save();
  bool save_as(const QString& path);
  void undo();
  void redo();

  // The canvas's edits, each one undo step through the document; what went wrong (shown on the status line too),
  // or empty. A node moved keeps its place in the file's `diagram:`.
  QString move_node(const QString& id, double x, double y);
  QString move_nodes(const NodePositions& moves); // a group dragged: one undo step
  QString drop_kind(const QString& kind, double x, double y);
  QString add_kind(const QString& kind); // in the middle of the view: the palette's click
  QString connect_nodes(const QString& from, const QString& to);
  // Replication dragged from a database to a host's chip: a replica of it there.
  QString add_replica(const QString& database, const QString& host);
  // A host's chip dragged into a zone's frame (zone empty: the hosts area).
  QString move_host(const QString& entry, const QString& zone);
  // Copy, paste and delete of the selected service (Ctrl+C, Ctrl+V and Delete on the canvas).
  QString copy_selected();
  QString paste();
  QString delete_selected();

  DiagramView& diagram() const { return *diagram_; }
  Palette& palette() const { return *palette_; }
  Document& document() const { return *document_; }
  PropertyPanel& properties() const { return *properties_; }
  QPlainTextEdit& text_view() const { return *text_; }
  // The loader's messages about the text as it is (file:line:col: what is wrong), shown above it.
  QStringList problems() const { return problems_list_; }
  // Whether the diagram shows the text as it is (false while the text has errors: it shows the last that loaded).
  bool diagram_current() const { return diagram_current_; }
  bool running() const;
  int samples_received() const { return samples_; }
  QString last_message() const { return message_; }

  // Asks whether to save unsaved edits; false when the user cancels.
  bool maybe_save();

signals:
  void run_finished(bool ok);
  void follow_finished(bool ok);
  void before_ready(bool ok);

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

private:
  // The constructor's pieces.
  QWidget* build_text_panel();
  void build_properties();
  void build_layout(QWidget* text_panel);
  void add_file_actions(QToolBar* bar);
  void add_undo_actions(QToolBar* bar);
  void add_export_actions(QToolBar* bar);
  void add_canvas_actions(QToolBar* bar);
  void connect_canvas();
  // A canvas edit's outcome: the status line says what it did or why not; a service added is selected.
  QString edited(const QString& error);

  // A run as it was streamed, kept to be compared with the next.
  struct RunRecord {
    TopologyGraph graph;
    double duration = 0, warmup = 0;
    QString name; // its file's
    std::vector<IntervalSample> samples;
    std::optional<std::map<std::string, ServiceSummary>> summary; // results.json's measured window
    QString figures;                                              // the users' in a line
  };
  void build_before_view(QWidget* canvas);
  // The run's end on a diagram: the measured window's figures in the nodes and on the edges.
  static void show_end(DiagramView& view, const RunRecord& run);
  void show_before(); // the run before's view shown (or hidden) with its graph and title, as Compare says
  void on_before_finished(bool ok, const QString& message);

  void on_sample(const IntervalSample& sample);
  // Stops the run going on and starts it again from the document (a fault added, a replay).
  void run_again();
  // The run again from the start, shown at once up to t and held there.
  void replay_to(double t);
  void on_finished(bool ok, const QString& message);
  void show_message(const QString& message);
  void update_actions();
  void on_document_changed();
  void sync_text_view();
  void update_title();

  DiagramView* diagram_ = nullptr;
  Palette* palette_ = nullptr;
  QString clipboard_name_, clipboard_definition_; // the service copied
  QPlainTextEdit* text_ = nullptr;
  QLabel* text_title_ = nullptr;
  QLabel* problems_ = nullptr;
  QStringList problems_list_;
  Document* document_ = nullptr;
  PropertyPanel* properties_ = nullptr;
  QTimer* typing_ = nullptr;
  bool syncing_text_ = false; // while the text view is set from the document
  bool diagram_current_ = false;
  ChartsPanel* charts_ = nullptr;
  RunProcess* process_ = nullptr;
  FollowRun* follow_ = nullptr;
  RunControls* controls_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* stop_action_ = nullptr;
  QAction* compare_action_ = nullptr;
  QSplitter* diagrams_ = nullptr; // the run before's view above this run's
  QWidget* before_panel_ = nullptr;
  DiagramView* before_diagram_ = nullptr;
  QLabel* before_title_ = nullptr;
  QLabel* this_title_ = nullptr;
  RunProcess* before_process_ = nullptr;   // run_before's
  std::optional<RunRecord> current_;       // the run going on
  std::optional<RunRecord> last_run_;      // the last that went to its end
  std::optional<RunRecord> before_;        // what the run going on (or just ended) is compared with
  std::optional<RunRecord> before_coming_; // run_before's, while it runs
  LessonPanel* lesson_ = nullptr;
  QDockWidget* lesson_dock_ = nullptr;
  QString file_;
  std::optional<TopologyGraph> graph_;
  double duration_ = 0, warmup_ = 0;
  int samples_ = 0;
  double run_time_ = 0;     // simulated seconds: the time shown of the run going on
  bool restarting_ = false; // the run is stopped to start again: its end is not the run's end
  QString message_;
};

} // namespace scalelab::gui
