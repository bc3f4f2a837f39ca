#pragma once
// The palette above the canvas: every service kind of the schema (models/schema_catalog.hpp), then its hardware
// (a host, a switch, a data centre: model/canvas_edits.hpp's hardware_palette()), each dragged onto the canvas (a
// drop there adds one where it lands: a host dropped in a data centre's frame is in that zone) or clicked (added in
// the middle of the view).
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
  // The hardware items listed ("hardware.hosts", ...), and an item by what it adds.
  QStringList hardware() const;
  QListWidgetItem* item_of(const QString& id) const;

signals:
  void kind_clicked(const QString& kind);

protected:
  QMimeData* mimeData(const QList<QListWidgetItem*>& items) const override;
};

} // namespace scalelab::gui
