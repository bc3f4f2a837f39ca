#include "run_controls.hpp"

#include "run_process.hpp"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QToolBar>

#include <cmath>

namespace scalelab::gui
{

namespace
{
constexpr int kSliderSteps = 10; // per simulated second
} // namespace

RunControls::RunControls(RunProcess& process, QToolBar& bar, QObject* parent) : QObject(parent), process_(process)
{
  wall_.start();
  timer_.setInterval(30);
  connect(&timer_, &QTimer::timeout, this, &RunControls::show_due);
  connect(&process_, &RunProcess::sample, this, &RunControls::on_sample);
  connect(&process_, &RunProcess::finished, this, &RunControls::on_process_finished);

  pause_ = bar.addAction("Pause");
  pause_->setCheckable(true);
  pause_->setToolTip("Hold the charts and the diagram at the time shown (the run itself goes on)");
  connect(pause_, &QAction::triggered, this, [this](bool on) { on ? pause() : resume(); });
  step_ = bar.addAction("Step");
  step_->setToolTip("Show one more report interval, then hold");
  connect(step_, &QAction::triggered, this, &RunControls::step);
  speed_ = new QComboBox(&bar);
  speed_->setToolTip("Simulated seconds shown per wall second");
  speed_->addItem("as fast as it runs", 0.0);
  for (const double s : {1.0, 2.0, 5.0, 10.0, 30.0, 100.0})
    speed_->addItem(QString("%1× speed").arg(s), s);
  connect(speed_, &QComboBox::activated, this, [this](int i) { set_speed(speed_->itemData(i).toDouble()); });
  bar.addWidget(speed_);
  time_ = new QSlider(Qt::Horizontal, &bar);
  time_->setMinimumWidth(160);
  time_->setToolTip("The simulated time shown: drag forward to jump there, back to replay the run up to there");
  connect(time_, &QSlider::sliderReleased, this, [this] { seek(static_cast<double>(time_->value()) / kSliderSteps); });
  bar.addWidget(time_);
  time_label_ = new QLabel(&bar);
  time_label_->setMinimumWidth(90);
  bar.addWidget(time_label_);
  update_widgets();
}

double RunControls::wall_now() const
{
  return static_cast<double>(wall_.nsecsElapsed()) * 1e-9;
}

void RunControls::start(double duration)
{
  duration_ = duration;
  playback_.reset();
  playback_.set_speed(playback_.speed(), wall_now());
  ended_.reset();
  time_->setRange(0, static_cast<int>(std::ceil(duration * kSliderSteps)));
  timer_.start();
  update_widgets();
}

void RunControls::set_speed(double simulated_per_wall)
{
  playback_.set_speed(simulated_per_wall, wall_now());
  const int i = speed_->findData(playback_.speed());
  if (i >= 0)
    speed_->setCurrentIndex(i);
  show_due();
}

void RunControls::pause()
{
  playback_.pause();
  update_widgets();
}

void RunControls::resume()
{
  playback_.resume(wall_now());
  show_due();
}

void RunControls::step()
{
  playback_.step();
  show_due();
}

void RunControls::play_to(double t)
{
  playback_.play_to(t);
  show_due();
}

void RunControls::catch_up_to(double t)
{
  playback_.catch_up_to(t);
  show_due();
}

void RunControls::seek(double t)
{
  if (t + 1e-9 < playback_.shown_to())
    emit replay_to(t);
  else
    play_to(t);
}

void RunControls::stop()
{
  if (process_.running())
    process_.stop(); // its end comes back through on_process_finished
  else if (busy())
    on_process_finished(false, "stopped");
}

bool RunControls::busy() const
{
  return process_.running() || playback_.held() > 0 || ended_.has_value();
}

void RunControls::on_sample(const IntervalSample& sample)
{
  playback_.add(sample);
  show_due();
}

void RunControls::on_process_finished(bool ok, const QString& message)
{
  if (!ok) { // stopped, or failed: what is held is not shown
    playback_.reset();
    ended_.reset();
    timer_.stop();
    update_widgets();
    emit ended(false, message);
    return;
  }
  ended_ = {ok, message};
  show_due();
}

void RunControls::show_due()
{
  for (const auto& sample : playback_.due(wall_now()))
    emit shown(sample);
  if (ended_ && playback_.held() == 0) {
    const auto [ok, message] = *ended_;
    ended_.reset();
    timer_.stop();
    update_widgets();
    emit ended(ok, message);
    return;
  }
  update_widgets();
}

void RunControls::update_widgets()
{
  if (playback_.paused() != was_paused_) {
    was_paused_ = playback_.paused();
    emit held(was_paused_);
  }
  const bool active = busy();
  pause_->setEnabled(active);
  pause_->setChecked(playback_.paused());
  step_->setEnabled(active);
  time_->setEnabled(active || playback_.shown_to() > 0);
  if (!time_->isSliderDown())
    time_->setValue(static_cast<int>(std::lround(playback_.shown_to() * kSliderSteps)));
  time_label_->setText(QString("t = %1 s").arg(playback_.shown_to(), 0, 'f', 1));
}

} // namespace scalelab::gui
