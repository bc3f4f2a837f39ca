#include "run_process.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace scalelab::gui
{

RunProcess::RunProcess(QObject* parent) : QObject(parent)
{
  connect(&process_, &QProcess::readyReadStandardOutput, this, &RunProcess::read_lines);
  connect(&process_, &QProcess::readyReadStandardError, this, [this] { errors_ += process_.readAllStandardError(); });
  connect(&process_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    read_lines();
    if (stopping_) {
      stopping_ = false;
      emit finished(false, "stopped");
    } else if (status != QProcess::NormalExit || code != 0) {
      emit finished(false, QString::fromUtf8(errors_).trimmed());
    } else {
      emit finished(true, {});
    }
  });
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart)
      emit finished(false, "cannot start " + process_.program() + ": " + process_.errorString());
  });
}

RunProcess::~RunProcess()
{
  process_.disconnect(this); // the window that listens is being taken down
  blockSignals(true);
  if (running()) {
    process_.kill();
    process_.waitForFinished(2000);
  }
}

QString RunProcess::find_scalelab()
{
  const QString env = qEnvironmentVariable("SCALELAB_BINARY");
  if (!env.isEmpty())
    return env;
  const QString beside = QDir(QCoreApplication::applicationDirPath()).filePath("../scalelab");
  if (QFileInfo(beside).isExecutable())
    return QFileInfo(beside).canonicalFilePath();
  const QString on_path = QStandardPaths::findExecutable("scalelab");
  return on_path.isEmpty() ? QString("scalelab") : on_path;
}

void RunProcess::start(const QString& topology_file)
{
  if (running())
    stop();
  out_dir_ = std::make_unique<QTemporaryDir>();
  pending_.clear();
  errors_.clear();
  stopping_ = false;
  process_.start(find_scalelab(), {"run", topology_file, "--stream", "--quiet", "--out", out_dir_->path()});
}

void RunProcess::stop()
{
  if (!running())
    return;
  stopping_ = true;
  process_.kill();
  process_.waitForFinished(2000);
}

bool RunProcess::running() const
{
  return process_.state() != QProcess::NotRunning;
}

QString RunProcess::results_path() const
{
  return out_dir_ ? QDir(out_dir_->path()).filePath("results.json") : QString();
}

void RunProcess::read_lines()
{
  pending_ += process_.readAllStandardOutput();
  int newline;
  while ((newline = pending_.indexOf('\n')) >= 0) {
    const std::string line = pending_.left(newline).toStdString();
    pending_.remove(0, newline + 1);
    std::string error;
    if (const auto s = parse_stream_line(line, error))
      emit sample(*s);
  }
}

} // namespace scalelab::gui
