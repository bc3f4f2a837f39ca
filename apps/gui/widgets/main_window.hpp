#pragma once
// scalelab-gui's window: the diagram of the open topology beside its YAML (read-only for now), the live charts
// below, and Open / Run / Stop / Fit in the tool bar.
#include "stream.hpp"
#include "topology_graph.hpp"

#include <QMainWindow>

#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
class QLabel;
class QPlainTextEdit;
QT_END_NAMESPACE

namespace scalelab::gui
{

class ChartsPanel;
class DiagramView;
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

  const DiagramView& diagram() const { return *diagram_; }
  bool running() const;
  int samples_received() const { return samples_; }
  QString last_message() const { return message_; }

signals:
  void run_finished(bool ok);

private:
  void on_sample(const IntervalSample& sample);
  void on_finished(bool ok, const QString& message);
  void show_message(const QString& message);
  void update_actions();

  DiagramView* diagram_ = nullptr;
  QPlainTextEdit* text_ = nullptr;
  QLabel* text_title_ = nullptr;
  QLabel* problems_ = nullptr;
  ChartsPanel* charts_ = nullptr;
  RunProcess* process_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* stop_action_ = nullptr;
  QString file_;
  std::optional<TopologyGraph> graph_;
  double duration_ = 0, warmup_ = 0;
  int samples_ = 0;
  QString message_;
};

} // namespace scalelab::gui
