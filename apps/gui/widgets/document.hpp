#pragma once
// scalelab-gui's document: the topology file's text, which every edit changes by splicing (models/yaml_edit.hpp)
// so that comments, key order and layout survive, with an undo stack of whole-text steps. A form's edit, a
// service added or removed and a burst of typing in the text view are one step each.
#include "canvas_edits.hpp"

#include <QObject>
#include <QString>

#include <optional>
#include <string>
#include <utility>
#include <vector>

QT_BEGIN_NAMESPACE
class QUndoStack;
QT_END_NAMESPACE

namespace scalelab::gui
{

class Document : public QObject
{
  Q_OBJECT
public:
  explicit Document(QObject* parent = nullptr);

  // Reads the file (the undo stack starts empty, the document unmodified); false with error set when it cannot.
  bool open(const QString& path, QString& error);
  const QString& path() const { return path_; }
  const QString& text() const { return text_; }
  bool modified() const;
  QUndoStack* undo_stack() const { return undo_; }

  // One undoable step from the current text to text (nothing when they are equal).
  void replace_text(const QString& text, const QString& what);
  // The value at path set (written on one line as YAML), or the key removed; an empty string on success, else
  // why the text was left as it was.
  QString set_value(const std::vector<std::string>& path, const QString& value);
  QString remove_key(const std::vector<std::string>& path);
  // A service of that kind with the keys it requires, filled from the topology (its first host, a service of the
  // kind it names, its first request type) when they can be; the loader says what is still missing.
  QString add_service(const QString& name, const QString& kind);
  // The canvas's gestures (model/canvas_edits.hpp), each one undo step: the edit's text, or its error.
  QString move_nodes(const NodePositions& moves);
  QString drop_service(const QString& kind, double x, double y);
  QString connect_nodes(const TopologyGraph& graph, const QString& from, const QString& to);
  QString paste_service(const QString& name, const QString& definition, std::optional<std::pair<double, double>> at);
  QString delete_service(const QString& name); // with its diagram: position (the panel's Remove too)
  QString move_host(const QString& entry, const QString& zone);
  QString add_replica(const TopologyGraph& graph, const QString& database, const QString& host);
  // What the last successful edit did ("connect lb to app: backends: app").
  const QString& last_edit() const { return last_edit_; }
  // The service the last drop or paste added.
  const QString& last_added() const { return last_added_; }

  // Writes the text, byte for byte; save_as makes path the document's file.
  bool save(QString& error);
  bool save_as(const QString& path, QString& error);

signals:
  // The text changed (by an edit, an undo or a redo, or by opening a file).
  void changed();
  void modified_changed(bool modified);

private:
  friend class TextStep;
  void set_text(const QString& text);
  QString apply(const CanvasEdit& edit);

  QString path_, text_, last_edit_, last_added_;
  QUndoStack* undo_ = nullptr;
};

} // namespace scalelab::gui
