#pragma once
// `scalelab run FILE --stream` as a child process (the GUI never links SimGrid): each line it prints becomes a
// sample; at the end, the run's results.json.
#include "stream.hpp"

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace scalelab::gui
{

class RunProcess : public QObject
{
  Q_OBJECT
public:
  explicit RunProcess(QObject* parent = nullptr);
  ~RunProcess() override;

  // The scalelab binary: $SCALELAB_BINARY, else the one built beside scalelab-gui (build/dev/apps/scalelab),
  // else scalelab on the PATH.
  static QString find_scalelab();

  void start(const QString& topology_file);
  void stop();
  bool running() const;
  QString results_path() const; // DIR/results.json of the last run

signals:
  void sample(const scalelab::gui::IntervalSample& sample);
  void finished(bool ok, const QString& message); // message: the error output when not ok

private:
  void read_lines();

  QProcess process_;
  std::unique_ptr<QTemporaryDir> out_dir_;
  QByteArray pending_;
  QByteArray errors_;
  bool stopping_ = false;
};

} // namespace scalelab::gui
