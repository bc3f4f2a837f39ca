#pragma once
// Follow a request: `scalelab run FILE --follow N --quiet --out TMP` as a child process, then the request's
// path drawn over the diagram: the edges its messages went along highlighted and numbered in order, each with
// what its hop took (net, wait, served), the whole in one line for the status bar.
#include "follow.hpp"

#include <QGraphicsObject>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>
#include <optional>
#include <vector>

namespace scalelab::gui
{

class DiagramView;

// The path over the diagram's nodes, drawn by one item above the edges and below the nodes' counters.
class FollowOverlay : public QGraphicsObject
{
  Q_OBJECT
public:
  FollowOverlay(const DiagramView& view, FollowPath path);
  const FollowPath& path() const { return path_; }
  const std::vector<FollowStep>& steps() const { return steps_; }
  // The label written at the index-th step: "2. net 0.10 ms · wait 0.40 ms · served 4.00 ms".
  QString label(std::size_t step) const;
  // Places the path again from the nodes' positions (after a node moved).
  void relayout();

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
  struct Drawn {
    QPainterPath line;
    QPolygonF head;
    QPointF middle, label_at;
  };
  const DiagramView& view_;
  FollowPath path_;
  std::vector<FollowStep> steps_;
  std::vector<Drawn> drawn_;
  QRectF bounds_;
};

class FollowRun : public QObject
{
  Q_OBJECT
public:
  FollowRun(DiagramView& view, QObject* parent = nullptr);
  ~FollowRun() override;
  // Runs the file with --follow index; the path is drawn when it ends (finished()).
  void start(const QString& topology_file, std::uint64_t index);
  bool running() const { return process_.state() != QProcess::NotRunning; }
  // The path drawn (null: none), and takes it off the diagram.
  const FollowOverlay* overlay() const { return overlay_; }
  void clear();

signals:
  // ok: the path is drawn; message: its summary, or what went wrong.
  void finished(bool ok, const QString& message);

private:
  void on_finished(int code, QProcess::ExitStatus status);
  DiagramView& view_;
  QProcess process_;
  std::unique_ptr<QTemporaryDir> out_dir_;
  QPointer<FollowOverlay> overlay_; // owned by the scene, which a new diagram clears
};

} // namespace scalelab::gui
