#pragma once
// The palette above the canvas: every service kind of the schema (models/schema_catalog.hpp), each dragged onto
// the canvas (a drop there adds a service of that kind where it lands) or clicked (added in the middle of the
// view).
#include <QListWidget>

namespace scalelab::gui
{

class Palette : public QListWidget
{
  Q_OBJECT
public:
  explicit Palette(QWidget* parent = nullptr);
  // The kinds listed, as written in files.
  QStringList kinds() const;

signals:
  void kind_clicked(const QString& kind);

protected:
  QMimeData* mimeData(const QList<QListWidgetItem*>& items) const override;
};

} // namespace scalelab::gui
