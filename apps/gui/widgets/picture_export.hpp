#pragma once
// Pictures of the window's parts, as PNG (pixels) or SVG (vectors, text kept as text), chosen by the file's
// suffix: the whole diagram (not only what the view shows) and the charts.
#include <QString>

QT_BEGIN_NAMESPACE
class QGraphicsScene;
class QWidget;
QT_END_NAMESPACE

namespace scalelab::gui
{

// Each returns what went wrong (an unknown suffix, a file that cannot be written), or an empty string.
QString export_scene(QGraphicsScene& scene, const QString& path, const QString& title);
QString export_widget(QWidget& widget, const QString& path, const QString& title);

} // namespace scalelab::gui
