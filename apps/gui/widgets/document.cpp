#include "document.hpp"

#include "scalelab/models/yaml_edit.hpp"

#include <QFile>
#include <QSaveFile>
#include <QUndoCommand>
#include <QUndoStack>

namespace scalelab::gui
{

// One step: the whole text before and after (topology files are a few kilobytes).
class TextStep : public QUndoCommand
{
public:
  TextStep(Document& document, QString before, QString after, const QString& what)
      : QUndoCommand(what), document_(document), before_(std::move(before)), after_(std::move(after))
  {
  }
  void redo() override { document_.set_text(after_); }
  void undo() override { document_.set_text(before_); }

private:
  Document& document_;
  QString before_, after_;
};

Document::Document(QObject* parent) : QObject(parent), undo_(new QUndoStack(this))
{
  connect(undo_, &QUndoStack::cleanChanged, this, [this](bool clean) { emit modified_changed(!clean); });
}

bool Document::open(const QString& path, QString& error)
{
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    error = f.errorString();
    return false;
  }
  path_ = path;
  undo_->clear();
  set_text(QString::fromUtf8(f.readAll()));
  undo_->setClean();
  emit modified_changed(false);
  return true;
}

bool Document::modified() const
{
  return !undo_->isClean();
}

void Document::set_text(const QString& text)
{
  text_ = text;
  emit changed();
}

void Document::replace_text(const QString& text, const QString& what)
{
  if (text != text_)
    undo_->push(new TextStep(*this, text_, text, what));
}

QString Document::set_value(const std::vector<std::string>& path, const QString& value)
{
  const auto edit = models::set_yaml_value(text_.toStdString(), path, value.toStdString());
  if (!edit.error.empty())
    return QString::fromStdString(edit.error);
  replace_text(QString::fromStdString(edit.text), "set " + QString::fromStdString(path.back()));
  return {};
}

QString Document::remove_key(const std::vector<std::string>& path)
{
  const auto edit = models::remove_yaml_key(text_.toStdString(), path);
  if (!edit.error.empty())
    return QString::fromStdString(edit.error);
  replace_text(QString::fromStdString(edit.text), "remove " + QString::fromStdString(path.back()));
  return {};
}

QString Document::add_service(const QString& name, const QString& kind)
{
  return apply(gui::add_service(text_.toStdString(), name.toStdString(), kind.toStdString()));
}

QString Document::apply(const CanvasEdit& edit)
{
  if (!edit.error.empty())
    return QString::fromStdString(edit.error);
  last_edit_ = QString::fromStdString(edit.what);
  last_added_ = QString::fromStdString(edit.added);
  replace_text(QString::fromStdString(edit.text), last_edit_);
  return {};
}

QString Document::move_nodes(const NodePositions& moves)
{
  return apply(gui::move_nodes(text_.toStdString(), moves));
}

QString Document::drop_service(const QString& kind, double x, double y)
{
  return apply(gui::drop_service(text_.toStdString(), kind.toStdString(), x, y));
}

QString Document::connect_nodes(const TopologyGraph& graph, const QString& from, const QString& to)
{
  return apply(gui::connect_nodes(text_.toStdString(), graph, from.toStdString(), to.toStdString()));
}

QString Document::add_replica(const TopologyGraph& graph, const QString& database, const QString& host)
{
  return apply(gui::add_replica(text_.toStdString(), graph, database.toStdString(), host.toStdString()));
}

QString Document::paste_service(const QString& name, const QString& definition,
                                std::optional<std::pair<double, double>> at)
{
  return apply(gui::paste_service(text_.toStdString(), name.toStdString(), definition.toStdString(), at));
}

QString Document::delete_service(const QString& name)
{
  return apply(gui::delete_service(text_.toStdString(), name.toStdString()));
}

QString Document::move_host(const QString& entry, const QString& zone)
{
  return apply(gui::move_host(text_.toStdString(), entry.toStdString(), zone.toStdString()));
}

bool Document::save(QString& error)
{
  return save_as(path_, error);
}

bool Document::save_as(const QString& path, QString& error)
{
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) {
    error = f.errorString();
    return false;
  }
  f.write(text_.toUtf8());
  if (!f.commit()) {
    error = f.errorString();
    return false;
  }
  path_ = path;
  undo_->setClean();
  return true;
}

} // namespace scalelab::gui
