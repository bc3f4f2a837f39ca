#include "minimap.hpp"

#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>

namespace scalelab::gui
{

namespace
{
constexpr int kWidth = 220, kHeight = 150, kMargin = 10;
} // namespace

Minimap::Minimap(QGraphicsView& main) : QGraphicsView(main.scene(), &main), main_(main)
{
  setInteractive(false);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setRenderHints(QPainter::Antialiasing);
  setFrameShape(QFrame::Box);
  setStyleSheet("QGraphicsView { border: 1px solid #8090a8; background: #ffffff; }");
  setFixedSize(kWidth, kHeight);
  setCursor(Qt::PointingHandCursor);
  setToolTip("The whole diagram; click or drag to move the canvas there");
  for (QScrollBar* bar : {main.horizontalScrollBar(), main.verticalScrollBar()})
    connect(bar, &QScrollBar::valueChanged, this, [this] { refresh(); });
  hide();
}

QRectF Minimap::visible_rect() const
{
  return main_.mapToScene(main_.viewport()->rect()).boundingRect();
}

void Minimap::refresh()
{
  if (scene() != main_.scene())
    setScene(main_.scene());
  const QRectF whole = main_.sceneRect();
  // Shown when the canvas leaves a part of the diagram out (more than the margins' few percent).
  const QRectF seen = visible_rect().intersected(whole);
  const bool needed =
      !whole.isEmpty() && (seen.width() < 0.97 * whole.width() || seen.height() < 0.97 * whole.height());
  setVisible(needed);
  if (!needed)
    return;
  fitInView(whole, Qt::KeepAspectRatio);
  const QRect area = main_.viewport()->geometry();
  move(area.right() - kWidth - kMargin, area.bottom() - kHeight - kMargin);
  raise();
  viewport()->update();
}

void Minimap::drawForeground(QPainter* painter, const QRectF&)
{
  const QRectF shown = visible_rect();
  painter->setPen(QPen(QColor(30, 110, 230), 0)); // cosmetic: one pixel at any scale
  painter->setBrush(QColor(30, 110, 230, 40));
  painter->drawRect(shown);
}

void Minimap::centre_main_on(const QPoint& at)
{
  main_.centerOn(mapToScene(at));
  viewport()->update();
}

void Minimap::mousePressEvent(QMouseEvent* event)
{
  centre_main_on(event->pos());
  event->accept();
}

void Minimap::mouseMoveEvent(QMouseEvent* event)
{
  if (event->buttons() & Qt::LeftButton)
    centre_main_on(event->pos());
  event->accept();
}

void Minimap::wheelEvent(QWheelEvent* event)
{
  event->accept(); // the minimap does not zoom
}

} // namespace scalelab::gui
