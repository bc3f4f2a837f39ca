#include "follow_overlay.hpp"

#include "diagram_view.hpp"
#include "run_process.hpp"

#include <QDir>
#include <QFile>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>

#include <cmath>

namespace scalelab::gui
{

namespace
{

const QColor kPathColour(230, 90, 20); // an orange that no utilisation colour uses
constexpr double kLane = 12;           // requests run above the straight line between nodes, replies below
constexpr double kLabelGap = 42;       // from a node's edge to the middle of a label above or below it

} // namespace

FollowOverlay::FollowOverlay(const DiagramView& view, FollowPath path)
    : view_(view), path_(std::move(path)), steps_(follow_steps(path_))
{
  setZValue(4.5); // above the edges and their dots, below a connection being drawn
  relayout();
}

QString FollowOverlay::label(std::size_t step) const
{
  return QString("%1. ").arg(step + 1) + QString::fromStdString(hop_label(path_.hops[steps_[step].hop]));
}

void FollowOverlay::relayout()
{
  prepareGeometryChange();
  drawn_.clear();
  bounds_ = QRectF();
  const double half_width = TopologyGraph::kNodeWidth / 2, half_height = TopologyGraph::kNodeHeight / 2;
  for (const auto& step : steps_) {
    const QPointF a = view_.node_position(step.from), b = view_.node_position(step.to);
    const double lane = step.reply ? kLane : -kLane;
    // From the side of one box facing the other to the facing side of the other, in its lane.
    QPointF from = a, to = b;
    if (std::abs(b.x() - a.x()) > half_width) {
      const double dir = b.x() > a.x() ? 1 : -1;
      from += QPointF(dir * half_width, lane);
      to += QPointF(-dir * half_width, lane);
    } else {
      const double dir = b.y() > a.y() ? 1 : -1;
      from += QPointF(lane, dir * half_height);
      to += QPointF(lane, -dir * half_height);
    }
    Drawn d;
    d.line.moveTo(from);
    d.line.lineTo(to);
    const QPointF along = to - from;
    const double length = std::hypot(along.x(), along.y());
    if (length > 0) {
      const QPointF u = along / length, n(-u.y(), u.x());
      d.head << to << to - 14 * u + 6 * n << to - 14 * u - 6 * n;
    }
    d.middle = from + along * 0.5;
    // Between two nodes side by side the gap is narrow: the label goes above the row for a request, below it
    // for a reply, with a leader to its arrow; elsewhere beside the arrow's middle.
    if (std::abs(b.y() - a.y()) < half_height)
      d.label_at = QPointF(d.middle.x(), (step.reply ? std::max(a.y(), b.y()) + half_height + kLabelGap
                                                     : std::min(a.y(), b.y()) - half_height - kLabelGap));
    else
      d.label_at = d.middle + QPointF(step.reply ? 70 : -70, 0);
    bounds_ = bounds_.united(d.line.boundingRect()).united(QRectF(d.label_at - QPointF(80, 40), QSizeF(160, 80)));
    drawn_.push_back(std::move(d));
  }
}

QRectF FollowOverlay::boundingRect() const
{
  return bounds_;
}

void FollowOverlay::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
  painter->setRenderHint(QPainter::Antialiasing);
  QColor wide = kPathColour;
  wide.setAlpha(90);
  for (const auto& d : drawn_) {
    painter->setPen(QPen(wide, 9, Qt::SolidLine, Qt::RoundCap));
    painter->drawPath(d.line);
    painter->setPen(QPen(kPathColour, 2.5));
    painter->drawPath(d.line);
    painter->setBrush(kPathColour);
    painter->drawPolygon(d.head);
  }
  QFont font = painter->font();
  font.setPointSizeF(8.5);
  painter->setFont(font);
  const QFontMetricsF metrics(font);
  for (std::size_t i = 0; i < drawn_.size(); ++i) {
    // One line per figure: narrow enough for the gap between two columns.
    const QString text = label(i).replace(QString(" \u00b7 "), QString("\n"));
    QRectF box = metrics.boundingRect(QRectF(0, 0, 400, 200), Qt::AlignCenter, text).adjusted(-5, -3, 5, 3);
    box.moveCenter(drawn_[i].label_at);
    painter->setPen(QPen(kPathColour, 1, Qt::DashLine));
    painter->drawLine(
        drawn_[i].middle,
        QPointF(box.center().x(), drawn_[i].label_at.y() < drawn_[i].middle.y() ? box.bottom() : box.top()));
    painter->setPen(QPen(kPathColour, 1.2));
    painter->setBrush(QColor(255, 248, 240, 235));
    painter->drawRoundedRect(box, 4, 4);
    painter->setPen(Qt::black);
    painter->drawText(box, Qt::AlignCenter, text);
  }
}

FollowRun::FollowRun(DiagramView& view, QObject* parent) : QObject(parent), view_(view)
{
  connect(&process_, &QProcess::finished, this, &FollowRun::on_finished);
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error == QProcess::FailedToStart)
      emit finished(false, "cannot start " + process_.program() + ": " + process_.errorString());
  });
}

FollowRun::~FollowRun()
{
  process_.disconnect(this);
  if (running()) {
    process_.kill();
    process_.waitForFinished(2000);
  }
}

void FollowRun::start(const QString& topology_file, std::uint64_t index)
{
  if (running()) { // the run before is dropped unseen
    process_.blockSignals(true);
    process_.kill();
    process_.waitForFinished(2000);
    process_.blockSignals(false);
  }
  clear();
  out_dir_ = std::make_unique<QTemporaryDir>();
  process_.start(RunProcess::find_scalelab(),
                 {"run", topology_file, "--follow", QString::number(index), "--quiet", "--out", out_dir_->path()});
}

void FollowRun::clear()
{
  if (overlay_)
    delete overlay_.data();
}

void FollowRun::on_finished(int code, QProcess::ExitStatus status)
{
  if (status != QProcess::NormalExit || code != 0) {
    emit finished(false, "follow: " + QString::fromUtf8(process_.readAllStandardError()).trimmed());
    return;
  }
  QFile file(QDir(out_dir_->path()).filePath("follow.json"));
  if (!file.open(QIODevice::ReadOnly)) {
    emit finished(false, "follow: no follow.json");
    return;
  }
  std::string error;
  const auto paths = read_follow(file.readAll().toStdString(), error);
  if (!paths) {
    emit finished(false, "follow: " + QString::fromStdString(error));
    return;
  }
  if (paths->empty()) {
    emit finished(false, "follow: the run ended before the users sent that request");
    return;
  }
  overlay_ = new FollowOverlay(view_, paths->front());
  view_.scene()->addItem(overlay_);
  emit finished(true, QString::fromStdString(follow_summary(paths->front())));
}

} // namespace scalelab::gui
