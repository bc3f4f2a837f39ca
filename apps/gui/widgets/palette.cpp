#include "palette.hpp"

#include "diagram_view.hpp"

#include "scalelab/models/schema_catalog.hpp"

#include <QMimeData>

namespace scalelab::gui
{

Palette::Palette(QWidget* parent) : QListWidget(parent)
{
  for (const auto& kind : models::service_kind_names()) {
    auto* item = new QListWidgetItem(QString::fromStdString(kind), this);
    item->setData(Qt::UserRole, QString::fromStdString(kind));
    item->setToolTip("Drag onto the canvas, or click, to add a " + QString::fromStdString(kind));
  }
  setDragEnabled(true);
  setDragDropMode(QAbstractItemView::DragOnly);
  setSelectionMode(QAbstractItemView::SingleSelection);
  // A row above the canvas: the diagram keeps its width.
  setFlow(QListView::LeftToRight);
  setWrapping(false);
  setSpacing(2);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setFixedHeight(fontMetrics().height() + 14);
  setStyleSheet("QListWidget::item { border: 1px solid #b8c0cc; border-radius: 3px; padding: 1px 6px; "
                "background: #ffffff; }");
  connect(this, &QListWidget::itemClicked, this,
          [this](QListWidgetItem* item) { emit kind_clicked(item->data(Qt::UserRole).toString()); });
}

QStringList Palette::kinds() const
{
  QStringList out;
  for (int i = 0; i < count(); ++i)
    out << item(i)->data(Qt::UserRole).toString();
  return out;
}

QMimeData* Palette::mimeData(const QList<QListWidgetItem*>& items) const
{
  auto* mime = new QMimeData;
  if (!items.isEmpty())
    mime->setData(DiagramView::kKindMime, items.front()->data(Qt::UserRole).toString().toUtf8());
  return mime;
}

} // namespace scalelab::gui
