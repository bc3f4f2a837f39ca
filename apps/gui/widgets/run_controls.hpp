#pragma once
// The run's controls in the tool bar (Pause, Step, the speed, the time slider) and the playback between the run
// and the window: the samples `scalelab run --stream` prints reach the window through shown() at the chosen
// speed, and the run's end through ended() once every sample has been shown. Moving the slider back before what
// is shown asks the window to run again (replay_to): a seed replays exactly, so the run up to t is the same.
#include "playback.hpp"
#include "stream.hpp"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>

#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QLabel;
class QSlider;
class QToolBar;
QT_END_NAMESPACE

namespace scalelab::gui
{

class RunProcess;

class RunControls : public QObject
{
  Q_OBJECT
public:
  RunControls(RunProcess& process, QToolBar& bar, QObject* parent);

  // A new run of `duration` simulated seconds is starting: nothing held, nothing shown, playing.
  void start(double duration);
  // 0: as fast as the run goes; else simulated seconds per wall second (the choices of the speed box).
  void set_speed(double simulated_per_wall);
  void pause();
  void resume();
  void step();
  // Shows everything up to t at once, then pauses there.
  void play_to(double t);
  // Shows everything up to t at once, then plays on from there at the chosen speed.
  void catch_up_to(double t);
  // The slider let go at t: forward plays to t, back before what is shown asks for the run again.
  void seek(double t);
  // Ends the run and what is left of it to show (ended(false, "stopped")).
  void stop();
  bool busy() const; // a run going on, or samples of it still to show
  bool paused() const { return playback_.paused(); }
  double shown_to() const { return playback_.shown_to(); }

signals:
  void shown(const scalelab::gui::IntervalSample& sample);
  void ended(bool ok, const QString& message);
  void replay_to(double t);
  void held(bool on); // the playback paused (or stepping), or playing again

private:
  void on_sample(const IntervalSample& sample);
  void on_process_finished(bool ok, const QString& message);
  void show_due();
  void update_widgets();
  double wall_now() const;

  RunProcess& process_;
  Playback playback_;
  QTimer timer_;
  QElapsedTimer wall_;
  std::optional<std::pair<bool, QString>> ended_; // the process's end, passed on once everything is shown
  double duration_ = 0;
  QAction* pause_ = nullptr;
  QAction* step_ = nullptr;
  QComboBox* speed_ = nullptr;
  QSlider* time_ = nullptr;
  QLabel* time_label_ = nullptr;
  bool was_paused_ = false;
};

} // namespace scalelab::gui
