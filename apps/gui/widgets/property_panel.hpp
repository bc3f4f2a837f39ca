#pragma once
// The property panel: the keys of the selected service's kind as the loader declares them (models/
// schema_catalog.hpp: type, unit, default, help, the choices of an enumeration as a list), its values read from
// the document's text, and the loader's messages at the field they are about. An edit writes through the
// document (a splice of the text, one undo step); an empty field removes the key (the default applies). Below,
// a service of a chosen kind is added, or the selected one removed. While a value is typed, a pause shows what
// the loader would say of it at the field, before anything is written.
#include "scalelab/models/loader.hpp"
#include "scalelab/models/schema_catalog.hpp"

#include <QWidget>

#include <map>
#include <string>
#include <vector>

QT_BEGIN_NAMESPACE
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QTimer;
QT_END_NAMESPACE

namespace scalelab::gui
{

class Document;

class PropertyPanel : public QWidget
{
  Q_OBJECT
public:
  explicit PropertyPanel(Document& document, QWidget* parent = nullptr);

  // After each change of the text: the services as the text names them, the loader's messages.
  void refresh(const std::vector<models::Diagnostic>& problems);
  void select(const QString& service);
  QString selected() const { return service_; }

  // For tests: a field's editor (a QLineEdit, or a QComboBox for an enumeration or a boolean), the message
  // shown at it, and the panel's own message (an edit that could not be made).
  QWidget* editor(const QString& key) const;
  QString field_message(const QString& key) const;
  QString message() const;
  QStringList keys() const;
  QComboBox* services_box() const { return services_; }
  QComboBox* new_kind_box() const { return new_kind_; }
  QLineEdit* new_name_edit() const { return new_name_; }
  QPushButton* add_button() const { return add_; }
  QPushButton* remove_button() const { return remove_; }

signals:
  void service_selected(const QString& service);

private:
  struct Field {
    std::string key;
    QWidget* editor = nullptr; // QLineEdit or QComboBox
    QLabel* message = nullptr;
  };
  void rebuild();
  Field add_field(QFormLayout* form, const models::KeyDoc& k);
  QWidget* make_editor(const models::KeyDoc& k);
  void connect_fields();
  void update_values();
  void commit(const Field& field);
  void preview();
  QString value_of(const Field& field) const;
  void show_message(const QString& message);

  Document& document_;
  QString service_;
  std::string kind_; // the service and kind of the form built
  QComboBox* services_ = nullptr;
  QLabel* kind_title_ = nullptr;
  QScrollArea* scroll_ = nullptr;
  QWidget* form_ = nullptr;
  std::vector<Field> fields_;
  QLabel* message_ = nullptr;
  QComboBox* new_kind_ = nullptr;
  QLineEdit* new_name_ = nullptr;
  QPushButton* add_ = nullptr;
  QPushButton* remove_ = nullptr;
  std::vector<models::Diagnostic> problems_;
  bool updating_ = false;     // while values are written into the editors
  QTimer* preview_ = nullptr; // a pause in the typing in a field: the loader's word on it, before it is written
  std::size_t preview_field_ = 0;
};

// The services a topology's text names, in file order (whether or not it loads).
QStringList service_names_in(const std::string& text);

} // namespace scalelab::gui
