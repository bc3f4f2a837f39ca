#include "document.hpp"

#include "scalelab/models/schema_catalog.hpp"
#include "scalelab/models/yaml_edit.hpp"

#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>
#include <QUndoCommand>
#include <QUndoStack>

#include <yaml-cpp/yaml.h>

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
  const std::string text = text_.toStdString();
  if (name.isEmpty() || name.contains(QRegularExpression("[^A-Za-z0-9_.-]")))
    return "a service's name is letters, digits, _ . and -";
  std::string current;
  if (models::yaml_value_at(text, {"services", name.toStdString()}, current))
    return "there is already a service " + name;
  const auto keys = models::service_kind_keys(kind.toStdString());
  if (keys.empty())
    return "no service kind " + kind;
  QString value = "{kind: " + kind;
  bool placed = false; // on a host
  for (const auto& k : keys) {
    if (!k.required || k.key == "kind")
      continue;
    const QString v = default_for_new_service(text, k.key, k.type);
    if (!v.isEmpty())
      value += ", " + QString::fromStdString(k.key) + ": " + v;
    placed = placed || k.type.find("host name") != std::string::npos;
  }
  // api_server and database take host or hosts: one host to start.
  if (!placed)
    for (const auto& k : keys)
      if (k.key == "host") {
        const QString v = default_for_new_service(text, k.key, k.type);
        if (!v.isEmpty())
          value += ", host: " + v;
      }
  value += "}";
  const auto edit = models::set_yaml_value(text, {"services", name.toStdString()}, value.toStdString());
  if (!edit.error.empty())
    return QString::fromStdString(edit.error);
  replace_text(QString::fromStdString(edit.text), "add service " + name);
  return {};
}

QString Document::remove_service(const QString& name)
{
  const auto edit = models::remove_yaml_key(text_.toStdString(), {"services", name.toStdString()});
  if (!edit.error.empty())
    return QString::fromStdString(edit.error);
  replace_text(QString::fromStdString(edit.text), "remove service " + name);
  return {};
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

QString default_for_new_service(const std::string& text, const std::string& key, const std::string& type)
{
  YAML::Node loaded;
  try {
    loaded = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return {};
  }
  const YAML::Node& root = loaded; // const: looking up a key never adds it
  if (!root.IsMap())
    return {};
  if (type.find("host name") != std::string::npos) {
    const YAML::Node hosts = root["hardware"]["hosts"];
    if (hosts.IsSequence() && hosts.size() > 0 && hosts[0]["name"].IsScalar())
      return QString::fromStdString(hosts[0]["name"].Scalar());
    return {};
  }
  if (type.find("request type") != std::string::npos) {
    const YAML::Node requests = root["requests"];
    if (requests.IsMap() && requests.size() > 0)
      return "[" + QString::fromStdString(requests.begin()->first.Scalar()) + "]";
    return {};
  }
  if (type.find("service name") != std::string::npos) {
    // The kind a balancer's backends, a worker's queue or an edge's origin usually are.
    const std::string wanted = key == "consumes" ? "queue" : "api_server";
    const YAML::Node services = root["services"];
    if (!services.IsMap())
      return {};
    for (auto it = services.begin(); it != services.end(); ++it)
      if (it->second.IsMap() && it->second["kind"].IsScalar() && it->second["kind"].Scalar() == wanted)
        return QString::fromStdString(it->first.Scalar());
    return {};
  }
  return {};
}

} // namespace scalelab::gui
