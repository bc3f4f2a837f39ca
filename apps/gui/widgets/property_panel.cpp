#include "property_panel.hpp"

#include "document.hpp"

#include "scalelab/models/schema_catalog.hpp"
#include "scalelab/models/yaml_edit.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>

#include <yaml-cpp/yaml.h>

namespace scalelab::gui
{
namespace
{

QString backticks_off(const std::string& s)
{
  return QString::fromStdString(s).remove('`');
}

// "(absent)" in a list: the key is not written and its default applies.
const QString kAbsent = QStringLiteral("(default)");

} // namespace

QStringList service_names_in(const std::string& text)
{
  QStringList names;
  try {
    const YAML::Node root = YAML::Load(text);
    const YAML::Node services = root.IsMap() ? root["services"] : YAML::Node();
    if (services.IsMap())
      for (auto it = services.begin(); it != services.end(); ++it)
        if (it->first.IsScalar())
          names << QString::fromStdString(it->first.Scalar());
  } catch (const YAML::Exception&) {
  }
  return names;
}

PropertyPanel::PropertyPanel(Document& document, QWidget* parent) : QWidget(parent), document_(document)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* title = new QLabel("<b>Properties</b>", this);
  services_ = new QComboBox(this);
  services_->setToolTip("The service shown below (or click its node in the diagram)");
  connect(services_, &QComboBox::activated, this, [this](int) { select(services_->currentText()); });
  kind_title_ = new QLabel(this);
  kind_title_->setWordWrap(true);
  message_ = new QLabel(this);
  message_->setStyleSheet("color: #b01010;");
  message_->setWordWrap(true);
  message_->hide();
  scroll_ = new QScrollArea(this);
  scroll_->setWidgetResizable(true);
  scroll_->setFrameShape(QFrame::NoFrame);

  auto* add_row = new QHBoxLayout();
  new_kind_ = new QComboBox(this);
  for (const auto& kind : models::service_kind_names())
    new_kind_->addItem(QString::fromStdString(kind));
  new_kind_->setToolTip("The kind of the service to add");
  new_name_ = new QLineEdit(this);
  new_name_->setPlaceholderText("new service's name");
  add_ = new QPushButton("Add", this);
  remove_ = new QPushButton("Remove service", this);
  preview_ = new QTimer(this);
  preview_->setSingleShot(true);
  preview_->setInterval(250);
  connect(preview_, &QTimer::timeout, this, &PropertyPanel::preview);
  add_row->addWidget(new_kind_);
  add_row->addWidget(new_name_, 1);
  add_row->addWidget(add_);
  connect(add_, &QPushButton::clicked, this, [this] {
    const QString name = new_name_->text().trimmed();
    const QString error = document_.add_service(name, new_kind_->currentText());
    show_message(error);
    if (error.isEmpty()) {
      new_name_->clear();
      select(name);
    }
  });
  connect(remove_, &QPushButton::clicked, this, [this] {
    if (service_.isEmpty())
      return;
    const QString error = document_.delete_service(service_);
    show_message(error);
  });

  layout->addWidget(title);
  layout->addWidget(services_);
  layout->addWidget(kind_title_);
  layout->addWidget(message_);
  layout->addWidget(scroll_, 1);
  layout->addWidget(remove_);
  layout->addWidget(new QLabel("Add a service:", this));
  layout->addLayout(add_row);
}

void PropertyPanel::select(const QString& service)
{
  if (service == service_)
    return;
  service_ = service;
  show_message({});
  refresh(problems_);
  emit service_selected(service_);
}

void PropertyPanel::refresh(const std::vector<models::Diagnostic>& problems)
{
  problems_ = problems;
  const std::string text = document_.text().toStdString();
  const QStringList names = service_names_in(text);
  if (!service_.isEmpty() && !names.contains(service_))
    service_.clear();
  if (service_.isEmpty() && !names.isEmpty())
    service_ = names.front();
  services_->blockSignals(true);
  services_->clear();
  services_->addItems(names);
  services_->setCurrentIndex(static_cast<int>(names.indexOf(service_)));
  services_->blockSignals(false);
  remove_->setEnabled(!service_.isEmpty());

  std::string kind;
  if (!service_.isEmpty())
    models::yaml_value_at(text, {"services", service_.toStdString(), "kind"}, kind);
  // The form of a service and kind (kind_ holds both): built anew when either changes.
  const std::string built = service_.toStdString() + "\n" + kind;
  if (built != kind_ || !form_)
    rebuild();
  kind_ = built;
  update_values();
}

void PropertyPanel::rebuild()
{
  const std::string text = document_.text().toStdString();
  std::string kind;
  if (!service_.isEmpty())
    models::yaml_value_at(text, {"services", service_.toStdString(), "kind"}, kind);
  fields_.clear();
  preview_->stop();
  if (form_)
    form_->deleteLater(); // it may be the sender of the edit that changed the kind
  form_ = new QWidget();
  auto* form = new QFormLayout(form_);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->setRowWrapPolicy(QFormLayout::DontWrapRows);
  const auto keys = models::service_kind_keys(kind);
  kind_title_->setText(service_.isEmpty() ? QString("No service")
                       : keys.empty()     ? QString("%1: unknown kind %2").arg(service_, QString::fromStdString(kind))
                                          : QString("%1, a %2").arg(service_, QString::fromStdString(kind)));
  for (const auto& k : keys)
    fields_.push_back(add_field(form, k));
  connect_fields();
  scroll_->setWidget(form_);
}

// One row of the form: the key's editor, its unit, help and message, named and explained by the key.
PropertyPanel::Field PropertyPanel::add_field(QFormLayout* form, const models::KeyDoc& k)
{
  Field field;
  field.key = k.key;
  const QString tip = QString("%1 (%2%3)\ndefault: %4\n%5")
                          .arg(QString::fromStdString(k.key), QString::fromStdString(k.type),
                               k.unit.empty() ? QString() : ", " + QString::fromStdString(k.unit),
                               backticks_off(k.default_text), backticks_off(k.help));
  field.editor = make_editor(k);
  field.editor->setToolTip(tip);
  field.editor->setObjectName(QString::fromStdString(k.key));
  field.message = new QLabel(form_);
  field.message->setStyleSheet("color: #b01010;");
  field.message->setWordWrap(true);
  field.message->hide();
  auto* cell = new QWidget(form_);
  auto* cell_layout = new QVBoxLayout(cell);
  cell_layout->setContentsMargins(0, 0, 0, 0);
  cell_layout->setSpacing(1);
  auto* row = new QHBoxLayout();
  row->addWidget(field.editor, 1);
  if (!k.unit.empty()) {
    auto* unit = new QLabel(QString::fromStdString(k.unit), form_);
    unit->setStyleSheet("color: #606060;");
    row->addWidget(unit);
  }
  cell_layout->addLayout(row);
  auto* help = new QLabel(QString::fromStdString(k.type) + ". " + backticks_off(k.help), form_);
  help->setWordWrap(true);
  help->setStyleSheet("color: #707070; font-size: 8pt;");
  cell_layout->addWidget(help);
  cell_layout->addWidget(field.message);
  auto* label = new QLabel(QString::fromStdString(k.key) + (k.required ? " *" : ""), form_);
  label->setToolTip(tip);
  form->addRow(label, cell);
  return field;
}

// A list for an enumeration or a boolean (with the default first when the key may be left out), else a line.
QWidget* PropertyPanel::make_editor(const models::KeyDoc& k)
{
  std::vector<std::string> choices = k.choices;
  if (choices.empty() && k.type == "boolean")
    choices = {"true", "false"};
  if (!choices.empty()) {
    auto* box = new QComboBox(form_);
    if (!k.required)
      box->addItem(kAbsent + ": " + backticks_off(k.default_text));
    for (const auto& c : choices)
      box->addItem(QString::fromStdString(c));
    return box;
  }
  auto* line = new QLineEdit(form_);
  line->setPlaceholderText(backticks_off(k.default_text));
  return line;
}

// An edit is written when the line is left or a choice made; typing in a line starts the preview's pause.
void PropertyPanel::connect_fields()
{
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const std::size_t at = i;
    if (auto* line = qobject_cast<QLineEdit*>(fields_[i].editor)) {
      connect(line, &QLineEdit::editingFinished, this, [this, at] {
        if (at < fields_.size())
          commit(fields_[at]);
      });
      connect(line, &QLineEdit::textEdited, this, [this, at] {
        preview_field_ = at;
        preview_->start();
      });
    } else if (auto* box = qobject_cast<QComboBox*>(fields_[i].editor))
      connect(box, &QComboBox::activated, this, [this, at](int) {
        if (at < fields_.size())
          commit(fields_[at]);
      });
  }
}

QString PropertyPanel::value_of(const Field& field) const
{
  if (auto* line = qobject_cast<QLineEdit*>(field.editor))
    return line->text().trimmed();
  auto* box = qobject_cast<QComboBox*>(field.editor);
  return box->currentText().startsWith(kAbsent) ? QString() : box->currentText();
}

void PropertyPanel::update_values()
{
  const std::string text = document_.text().toStdString();
  updating_ = true;
  std::vector<std::vector<std::string>> paths;
  for (const auto& field : fields_)
    paths.push_back({"services", service_.toStdString(), field.key});
  const auto values = models::yaml_fields_at(text, paths); // one reading of the text for every field
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    Field& field = fields_[i];
    const bool present = values[i].present;
    const QString shown = present ? QString::fromStdString(values[i].value) : QString();
    if (auto* line = qobject_cast<QLineEdit*>(field.editor)) {
      if (line->text() != shown)
        line->setText(shown);
    } else if (auto* box = qobject_cast<QComboBox*>(field.editor)) {
      int index = present ? box->findText(shown) : 0;
      if (index < 0) { // a value that is not a choice: shown as written, the loader's message says why
        box->addItem(shown);
        index = box->count() - 1;
      }
      box->setCurrentIndex(index);
    }
    // The loader's messages about this key (at its value or at the key).
    QStringList messages;
    const models::YamlPlace& place = values[i].place;
    if (present)
      for (const auto& d : problems_)
        if ((d.where.line == place.value_line && d.where.column == place.value_column) ||
            (d.where.line == place.key_line && d.where.column == place.key_column))
          messages << QString::fromStdString(d.format());
    field.message->setText(messages.join("\n"));
    field.message->setVisible(!messages.isEmpty());
  }
  updating_ = false;
}

// What the loader would say of the value being typed, at its field, with nothing written yet.
void PropertyPanel::preview()
{
  if (preview_field_ >= fields_.size() || service_.isEmpty())
    return;
  Field& field = fields_[preview_field_];
  const std::vector<std::string> path = {"services", service_.toStdString(), field.key};
  const QString value = value_of(field);
  QStringList messages;
  if (!value.isEmpty()) {
    const auto edit = models::set_yaml_value(document_.text().toStdString(), path, value.toStdString());
    if (!edit.error.empty()) {
      messages << QString::fromStdString(edit.error);
    } else {
      const auto loaded = models::load_topology_text(edit.text, document_.path().toStdString());
      models::YamlPlace place;
      if (models::yaml_place_of(edit.text, path, place))
        for (const auto& d : loaded.errors)
          if ((d.where.line == place.value_line && d.where.column == place.value_column) ||
              (d.where.line == place.key_line && d.where.column == place.key_column))
            messages << QString::fromStdString(d.format());
    }
  }
  field.message->setText(messages.join("\n"));
  field.message->setVisible(!messages.isEmpty());
}

void PropertyPanel::commit(const Field& field)
{
  if (updating_ || service_.isEmpty())
    return;
  const std::string key = field.key; // field goes when the edit changes the kind (the form is built anew)
  const std::vector<std::string> path = {"services", service_.toStdString(), key};
  std::string current;
  const bool present = models::yaml_value_at(document_.text().toStdString(), path, current);
  const QString value = value_of(field);
  QString error;
  if (value.isEmpty()) {
    if (present)
      error = document_.remove_key(path);
  } else if (!present || value != QString::fromStdString(current)) {
    error = document_.set_value(path, value);
  }
  if (!error.isEmpty()) {
    // The field keeps what was typed, with why it could not be written.
    for (auto& f : fields_)
      if (f.key == key) {
        f.message->setText(error);
        f.message->show();
      }
  }
  show_message(error.isEmpty() ? QString() : QString::fromStdString(key) + ": " + error);
}

void PropertyPanel::show_message(const QString& message)
{
  message_->setText(message);
  message_->setVisible(!message.isEmpty());
}

QWidget* PropertyPanel::editor(const QString& key) const
{
  for (const auto& f : fields_)
    if (QString::fromStdString(f.key) == key)
      return f.editor;
  return nullptr;
}

QString PropertyPanel::field_message(const QString& key) const
{
  for (const auto& f : fields_)
    if (QString::fromStdString(f.key) == key)
      return f.message->text();
  return {};
}

QString PropertyPanel::message() const
{
  return message_->text();
}

QStringList PropertyPanel::keys() const
{
  QStringList keys;
  for (const auto& f : fields_)
    keys << QString::fromStdString(f.key);
  return keys;
}

} // namespace scalelab::gui
