#include "palette.hpp"

#include "canvas_edits.hpp"
#include "diagram_view.hpp"

#include "scalelab/models/schema_catalog.hpp"

#include <QMimeData>
#include <QScrollBar>
#include <QStyle>

namespace scalelab::gui
{

Palette::Palette(QWidget* parent) : QListWidget(parent)
{
  for (const auto& kind : models::service_kind_names()) {
    auto* item = new QListWidgetItem(QString::fromStdString(kind), this);
    item->setData(Qt::UserRole, QString::fromStdString(kind));
    item->setToolTip("Drag onto the canvas, or click, to add a " + QString::fromStdString(kind));
  }
  // The hardware after a label that cannot be dragged: a host, a switch, a data centre.
  auto* label = new QListWidgetItem("hardware:", this);
  label->setFlags(Qt::NoItemFlags);
  for (const auto& h : hardware_palette()) {
    auto* item = new QListWidgetItem(QString::fromStdString(h.label), this);
    item->setData(Qt::UserRole, QString::fromStdString(h.id));
    item->setData(Qt::UserRole + 1, true);
    item->setToolTip(QString::fromStdString(h.help));
    item->setBackground(QColor(226, 232, 242));
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
  // One row of items, and the scroll bar under it when the row is wider than the canvas (a narrow window).
  const int row = fontMetrics().height() + 14;
  setFixedHeight(row);
  connect(horizontalScrollBar(), &QScrollBar::rangeChanged, this, [this, row](int, int max) {
    setFixedHeight(row + (max > 0 ? style()->pixelMetric(QStyle::PM_ScrollBarExtent) : 0));
  });
  setStyleSheet("QListWidget::item { border: 1px solid #b8c0cc; border-radius: 3px; padding: 1px 6px; "
                "background: #ffffff; }");
  connect(this, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    if (const QString id = item->data(Qt::UserRole).toString(); !id.isEmpty())
      emit kind_clicked(id);
  });
}

QStringList Palette::kinds() const
{
  QStringList out;
  for (int i = 0; i < count(); ++i)
    if (!item(i)->data(Qt::UserRole).toString().isEmpty() && !item(i)->data(Qt::UserRole + 1).toBool())
      out << item(i)->data(Qt::UserRole).toString();
  return out;
}

QStringList Palette::hardware() const
{
  QStringList out;
  for (int i = 0; i < count(); ++i)
    if (item(i)->data(Qt::UserRole + 1).toBool())
      out << item(i)->data(Qt::UserRole).toString();
  return out;
}

QListWidgetItem* Palette::item_of(const QString& id) const
{
  for (int i = 0; i < count(); ++i)
    if (item(i)->data(Qt::UserRole).toString() == id)
      return item(i);
  return nullptr;
}

QMimeData* Palette::mimeData(const QList<QListWidgetItem*>& items) const
{
  auto* mime = new QMimeData;
  if (!items.isEmpty())
    mime->setData(DiagramView::kKindMime, items.front()->data(Qt::UserRole).toString().toUtf8());
  return mime;
}

} // namespace scalelab::gui
