#pragma once
// The minimap: a small view of the whole diagram in the canvas's lower right corner, with the rectangle the canvas
// shows; a click or a drag in it moves the canvas there. It shows itself only when the canvas does not show the
// whole diagram (zoomed in, or a large topology).
#include <QGraphicsView>

namespace scalelab::gui
{

class Minimap : public QGraphicsView
{
  Q_OBJECT
public:
  // Watches `main`'s scene, transform and scroll bars; a child of main, in its corner.
  explicit Minimap(QGraphicsView& main);

  // Fits the scene again, shows or hides itself and places itself in the corner (after a redraw, a zoom, a resize).
  void refresh();
  // The rectangle of the scene the canvas shows, in scene units.
  QRectF visible_rect() const;

protected:
  void drawForeground(QPainter* painter, const QRectF& rect) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

private:
  void centre_main_on(const QPoint& at);

  QGraphicsView& main_;
};

} // namespace scalelab::gui
