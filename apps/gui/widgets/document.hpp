#pragma once
// scalelab-gui's document: the topology file's text, which every edit changes by splicing (models/yaml_edit.hpp)
// so that comments, key order and layout survive, with an undo stack of whole-text steps. A form's edit, a
// service added or removed and a burst of typing in the text view are one step each.
#include <QObject>
#include <QString>

#include <string>
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
  QString remove_service(const QString& name);

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

  QString path_, text_;
  QUndoStack* undo_ = nullptr;
};

// The value a new service's required key gets from a topology's text: hosts, services and request types by
// name, as the loader reads them; empty when there is nothing to take it from.
QString default_for_new_service(const std::string& text, const std::string& key, const std::string& type);

} // namespace scalelab::gui
