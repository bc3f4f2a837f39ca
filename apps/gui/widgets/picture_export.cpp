#include "picture_export.hpp"

#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>
#include <QSvgGenerator>
#include <QWidget>

#include <functional>

namespace scalelab::gui
{
namespace
{

// Paints `draw` (which fills a size x size canvas) into the file named by `path`: PNG at twice the size for
// sharp text, SVG at the size.
QString export_picture(const QString& path, const QString& title, QSize size,
                       const std::function<void(QPainter&, QRectF target)>& draw)
{
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != "png" && suffix != "svg")
    return "cannot export " + path + ": the file's name must end in .png or .svg";
  if (size.isEmpty())
    return "cannot export " + path + ": there is nothing to draw";
  if (suffix == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    QPainter painter;
    if (!painter.begin(&svg))
      return "cannot write " + path;
    draw(painter, QRectF(QPointF(0, 0), size));
    painter.end();
    return QFileInfo(path).size() > 0 ? QString() : "cannot write " + path;
  }
  QImage image(size * 2, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setRenderHint(QPainter::TextAntialiasing);
  painter.scale(2, 2);
  draw(painter, QRectF(QPointF(0, 0), size));
  painter.end();
  return image.save(path) ? QString() : "cannot write " + path;
}

} // namespace

QString export_scene(QGraphicsScene& scene, const QString& path, const QString& title)
{
  const QRectF source = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20); // a margin around the drawing
  return export_picture(path, title, source.size().toSize(), [&](QPainter& painter, QRectF target) {
    painter.fillRect(target, Qt::white);
    scene.render(&painter, target, source);
  });
}

QString export_widget(QWidget& widget, const QString& path, const QString& title)
{
  return export_picture(path, title, widget.size(), [&](QPainter& painter, QRectF) { widget.render(&painter); });
}

} // namespace scalelab::gui
