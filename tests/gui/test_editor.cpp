// scalelab-gui's editing on the offscreen platform: the property panel, the text view and the undo stack change
// the document's text by splicing, the diagram and the loader's messages follow, and what is saved is the text,
// byte for byte.
#include "diagram_view.hpp"
#include "document.hpp"
#include "main_window.hpp"
#include "property_panel.hpp"

#include "scalelab/models/loader.hpp"
#include "scalelab/models/schema_catalog.hpp"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTest>
#include <QTextCursor>
#include <QUndoStack>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

namespace
{

namespace fs = std::filesystem;
using scalelab::gui::MainWindow;

std::string source(const std::string& relative)
{
  return std::string(SCALELAB_SOURCE_DIR) + "/" + relative;
}

std::string read_all(const std::string& path)
{
  QFile f(QString::fromStdString(path));
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path;
  return f.readAll().toStdString();
}

// A copy of a shipped topology to edit, in the test's scratch directory.
QString copy_of(const std::string& relative, const std::string& name)
{
  fs::create_directories(SCALELAB_TEST_SCRATCH);
  const std::string to = std::string(SCALELAB_TEST_SCRATCH) + "/" + name;
  fs::copy_file(source(relative), to, fs::copy_options::overwrite_existing);
  return QString::fromStdString(to);
}

std::vector<std::string> lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

int lines_differing(const std::string& a, const std::string& b)
{
  const auto la = lines_of(a), lb = lines_of(b);
  if (la.size() != lb.size())
    return -1;
  int n = 0;
  for (std::size_t i = 0; i < la.size(); ++i)
    n += la[i] != lb[i] ? 1 : 0;
  return n;
}

std::string text_of(const MainWindow& window)
{
  return window.document().text().toStdString();
}

scalelab::models::LoadResult reload(const MainWindow& window)
{
  return scalelab::models::load_topology_text(text_of(window), window.document().path().toStdString());
}

// Types into a field as a person does: select all, type, Return.
void type_into(QWidget* editor, const QString& text)
{
  auto* line = qobject_cast<QLineEdit*>(editor);
  ASSERT_NE(line, nullptr);
  line->setFocus();
  line->selectAll();
  QTest::keyClick(line, Qt::Key_Delete);
  QTest::keyClicks(line, text);
  QTest::keyClick(line, Qt::Key_Return);
}

void choose(QWidget* editor, const QString& text)
{
  auto* box = qobject_cast<QComboBox*>(editor);
  ASSERT_NE(box, nullptr);
  const int index = box->findText(text, Qt::MatchStartsWith);
  ASSERT_GE(index, 0) << text.toStdString();
  box->setCurrentIndex(index);
  emit box->activated(index);
}

// Inserts text in the text view before the first occurrence of `before`, as typing there would.
void type_in_text_view(MainWindow& window, const QString& before, const QString& text)
{
  auto& view = window.text_view();
  const auto at = view.toPlainText().indexOf(before);
  ASSERT_GE(at, 0);
  QTextCursor cursor(view.document());
  cursor.setPosition(static_cast<int>(at));
  view.setTextCursor(cursor);
  const auto lines = text.split('\n');
  for (qsizetype i = 0; i < lines.size(); ++i) {
    if (i > 0)
      QTest::keyClick(&view, Qt::Key_Return);
    QTest::keyClicks(&view, lines[i]);
  }
}

TEST(Editor, ThePanelListsTheKindsKeysFromTheSchema)
{
  MainWindow window;
  ASSERT_TRUE(window.open_file(copy_of("topologies/three-tier.yaml", "panel.yaml")));
  window.properties().select("app");
  QStringList expected;
  for (const auto& k : scalelab::models::service_kind_keys("api_server"))
    expected << QString::fromStdString(k.key);
  EXPECT_EQ(window.properties().keys(), expected);
  EXPECT_EQ(qobject_cast<QLineEdit*>(window.properties().editor("workers"))->text(), "16");
  EXPECT_EQ(qobject_cast<QLineEdit*>(window.properties().editor("hosts"))->text(), "web");
  // An absent key shows its default as a placeholder; an enumeration is a list of the loader's choices.
  EXPECT_EQ(qobject_cast<QLineEdit*>(window.properties().editor("token_check"))->placeholderText(), "20us");
  auto* sessions = qobject_cast<QComboBox*>(window.properties().editor("sessions"));
  ASSERT_NE(sessions, nullptr);
  EXPECT_GE(sessions->findText("token"), 0);
  EXPECT_TRUE(sessions->currentText().startsWith("(default)"));
  EXPECT_EQ(window.diagram().selected(), "app");
}

TEST(Editor, AFieldsEditChangesOneLineAndTheDiagramAndSaves)
{
  MainWindow window;
  const QString path = copy_of("topologies/three-tier.yaml", "edit.yaml");
  const std::string original = read_all(path.toStdString());
  ASSERT_TRUE(window.open_file(path));
  window.show();
  window.properties().select("app");
  type_into(window.properties().editor("workers"), "32");
  EXPECT_EQ(lines_differing(original, text_of(window)), 1);
  EXPECT_NE(text_of(window).find("app:   {kind: api_server, hosts: web, workers: 32, queue_limit: 200}"),
            std::string::npos);
  EXPECT_EQ(window.text_view().toPlainText(), window.document().text());
  const auto loaded = reload(window);
  ASSERT_TRUE(loaded.spec);
  EXPECT_EQ(std::get<scalelab::models::ApiServerSpec>(loaded.spec->find_service("app")->kind).workers, 32);
  EXPECT_EQ(window.diagram().graph().find("app")->capacity, 3 * 32);
  EXPECT_TRUE(window.document().modified());
  EXPECT_TRUE(window.windowTitle().startsWith("edit.yaml*"));
  // Save writes the text as it is; only the edited line differs from the original file.
  ASSERT_TRUE(window.save());
  EXPECT_EQ(read_all(path.toStdString()), text_of(window));
  EXPECT_FALSE(window.document().modified());
  // An emptied field removes the key: the default (8 workers) applies.
  type_into(window.properties().editor("workers"), "");
  EXPECT_NE(text_of(window).find("app:   {kind: api_server, hosts: web, queue_limit: 200}"), std::string::npos);
  EXPECT_EQ(window.diagram().graph().find("app")->capacity, 3 * 8);
}

TEST(Editor, ABadValueShowsTheLoadersMessageAtTheFieldAndUndoRestoresTheFile)
{
  MainWindow window;
  const QString path = copy_of("topologies/three-tier.yaml", "bad-value.yaml");
  const std::string original = read_all(path.toStdString());
  ASSERT_TRUE(window.open_file(path));
  window.properties().select("users");
  type_into(window.properties().editor("connections"), "-4");
  EXPECT_NE(text_of(window).find("connections: -4"), std::string::npos);
  ASSERT_FALSE(window.problems().isEmpty());
  // file:line:col of the value, as `scalelab check` writes it, at the field and above the text.
  const QString expected_at = path + ":17:50: ";
  EXPECT_TRUE(window.problems().front().startsWith(expected_at)) << window.problems().front().toStdString();
  EXPECT_EQ(window.properties().field_message("connections"), window.problems().front());
  EXPECT_FALSE(window.diagram_current());
  EXPECT_EQ(window.diagram().graph().nodes().size(), 4u); // the last text that loaded
  // Undo: the file's bytes again, no problem; redo: the bad value again.
  window.document().undo_stack()->undo();
  EXPECT_EQ(text_of(window), original);
  EXPECT_EQ(window.text_view().toPlainText().toStdString(), original);
  EXPECT_TRUE(window.problems().isEmpty());
  EXPECT_TRUE(window.properties().field_message("connections").isEmpty());
  EXPECT_TRUE(window.diagram_current());
  EXPECT_FALSE(window.document().modified());
  window.document().undo_stack()->redo();
  EXPECT_NE(text_of(window).find("connections: -4"), std::string::npos);
  EXPECT_FALSE(window.problems().isEmpty());
}

// As a value is typed, a pause shows the loader's message at the field; nothing is written until Return.
TEST(Editor, TheLoadersMessageShowsAtTheFieldAsTheValueIsTyped)
{
  MainWindow window;
  const QString path = copy_of("topologies/three-tier.yaml", "as-typed.yaml");
  const std::string original = read_all(path.toStdString());
  ASSERT_TRUE(window.open_file(path));
  window.show();
  window.properties().select("users");
  auto* line = qobject_cast<QLineEdit*>(window.properties().editor("connections"));
  ASSERT_NE(line, nullptr);
  line->setFocus();
  line->selectAll();
  QTest::keyClick(line, Qt::Key_Delete);
  QTest::keyClicks(line, "-4");
  // The field is checked a pause after the typing (a timer): waited for, not slept on, so a slow machine passes.
  EXPECT_TRUE(QTest::qWaitFor([&] { return !window.properties().field_message("connections").isEmpty(); }, 5000));
  EXPECT_EQ(window.properties().field_message("connections"), path + ":17:50: connections must be at least 1, got -4");
  EXPECT_EQ(text_of(window), original);
  EXPECT_TRUE(window.problems().isEmpty());
  EXPECT_EQ(window.document().undo_stack()->count(), 0);
  // Corrected before Return: the message goes.
  QTest::keyClick(line, Qt::Key_Backspace);
  QTest::keyClick(line, Qt::Key_Backspace);
  QTest::keyClicks(line, "40");
  EXPECT_TRUE(QTest::qWaitFor([&] { return window.properties().field_message("connections").isEmpty(); }, 5000));
  QTest::keyClick(line, Qt::Key_Return);
  EXPECT_NE(text_of(window).find("connections: 40,"), std::string::npos);
}

TEST(Editor, ChoicesAndDefaultsFromALists)
{
  MainWindow window;
  ASSERT_TRUE(window.open_file(copy_of("topologies/three-tier.yaml", "choices.yaml")));
  window.properties().select("lb");
  choose(window.properties().editor("policy"), "power_of_two");
  auto loaded = reload(window);
  ASSERT_TRUE(loaded.spec);
  const auto lb = [](const scalelab::models::LoadResult& r) {
    return std::get<scalelab::models::LoadBalancerSpec>(r.spec->find_service("lb")->kind);
  };
  ASSERT_TRUE(loaded.spec);
  EXPECT_EQ(lb(loaded).policy, scalelab::models::BalancingPolicy::power_of_two);
  // A boolean is a list too; sticky sessions need users, and the loader's message says so at the field.
  choose(window.properties().editor("sticky"), "true");
  EXPECT_NE(text_of(window).find("policy: power_of_two, backends: app, sticky: true}"), std::string::npos);
  EXPECT_FALSE(reload(window).spec);
  EXPECT_TRUE(window.properties().field_message("sticky").contains("needs requests that carry users"))
      << window.properties().field_message("sticky").toStdString();
  EXPECT_TRUE(window.properties().field_message("policy").isEmpty());
  window.document().undo_stack()->undo();
  EXPECT_TRUE(window.properties().field_message("sticky").isEmpty());
  // "(default)" removes the key.
  choose(window.properties().editor("policy"), "(default)");
  loaded = reload(window);
  ASSERT_TRUE(loaded.spec);
  EXPECT_EQ(lb(loaded).policy, scalelab::models::BalancingPolicy::round_robin);
  EXPECT_EQ(text_of(window).find("policy:"), std::string::npos);
  // Two steps on the stack (the undone one was replaced by the last).
  EXPECT_EQ(window.document().undo_stack()->count(), 2);
}

TEST(Editor, TypingInTheTextRedrawsTheDiagramAndKeepsABadText)
{
  MainWindow window;
  const QString path = copy_of("topologies/three-tier.yaml", "typing.yaml");
  const std::string original = read_all(path.toStdString());
  ASSERT_TRUE(window.open_file(path));
  window.show();
  type_in_text_view(window, "\n\nrequests:", "\n  sessions: {kind: cache, host: db}");
  // After a pause in the typing, the text is read again: one undo step, the diagram redrawn.
  EXPECT_TRUE(QTest::qWaitFor([&] { return window.document().undo_stack()->count() == 1; }, 5000));
  EXPECT_NE(text_of(window).find("  sessions: {kind: cache, host: db}\n\nrequests:"), std::string::npos);
  ASSERT_NE(window.diagram().graph().find("sessions"), nullptr);
  EXPECT_EQ(window.document().undo_stack()->count(), 1);
  EXPECT_GE(window.properties().services_box()->findText("sessions"), 0);
  // A mistake: the loader's message with its place, the text kept as typed, the diagram as it last loaded.
  type_in_text_view(window, "\n\nrequests:", "\n  mail: {kind: api_servr, host: db}");
  window.commit_text_edit();
  ASSERT_EQ(window.problems().size(), 1);
  EXPECT_TRUE(window.problems().front().startsWith(path + ":21:")) << window.problems().front().toStdString();
  EXPECT_TRUE(window.problems().front().contains("api_servr")) << window.problems().front().toStdString();
  EXPECT_TRUE(window.text_view().toPlainText().contains("mail: {kind: api_servr, host: db}"));
  EXPECT_FALSE(window.diagram_current());
  EXPECT_NE(window.diagram().graph().find("sessions"), nullptr);
  // Both undone: the file as it was.
  window.document().undo_stack()->undo();
  window.document().undo_stack()->undo();
  EXPECT_EQ(text_of(window), original);
  EXPECT_EQ(window.text_view().toPlainText().toStdString(), original);
  EXPECT_EQ(window.diagram().graph().find("sessions"), nullptr);
}

// Ctrl+Z and Ctrl+Shift+Z where the focus is, the text view included, undo and redo the document's steps.
TEST(Editor, TheUndoKeysWorkInTheTextView)
{
  MainWindow window;
  const QString path = copy_of("topologies/three-tier.yaml", "keys.yaml");
  const std::string original = read_all(path.toStdString());
  ASSERT_TRUE(window.open_file(path));
  window.show();
  QApplication::setActiveWindow(&window);
  window.properties().select("app");
  type_into(window.properties().editor("workers"), "24");
  const std::string edited = text_of(window);
  window.text_view().setFocus();
  QTest::keyClick(&window.text_view(), Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(text_of(window), original);
  QTest::keyClick(&window.text_view(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
  EXPECT_EQ(text_of(window), edited);
  // Typed text not yet read again is one step of its own, undone first.
  type_in_text_view(window, "\n\nrequests:", "\n  c: {kind: cache, host: db}");
  QTest::keyClick(&window.text_view(), Qt::Key_Z, Qt::ControlModifier);
  EXPECT_EQ(text_of(window), edited);
  EXPECT_EQ(window.text_view().toPlainText().toStdString(), edited);
}

TEST(Editor, AddsAServiceOfAChosenKindAndRemovesIt)
{
  MainWindow window;
  const QString path = copy_of("topologies/email-queue.yaml", "add.yaml");
  const std::string original = read_all(path.toStdString());
  ASSERT_TRUE(window.open_file(path));
  auto& panel = window.properties();
  panel.new_kind_box()->setCurrentText("worker");
  panel.new_name_edit()->setText("digest");
  QTest::mouseClick(panel.add_button(), Qt::LeftButton);
  EXPECT_TRUE(panel.message().isEmpty()) << panel.message().toStdString();
  // Its required keys filled from the topology: the first host group, the queue it consumes.
  EXPECT_NE(text_of(window).find("  digest: {kind: worker, hosts: lb, consumes: mq}\n"), std::string::npos);
  const auto loaded = reload(window);
  ASSERT_TRUE(loaded.spec) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  EXPECT_STREQ(scalelab::models::kind_name(loaded.spec->find_service("digest")->kind), "worker");
  EXPECT_NE(window.diagram().graph().find("digest"), nullptr);
  EXPECT_EQ(panel.selected(), "digest");
  EXPECT_EQ(panel.keys().front(), "kind");
  // A name already taken is refused, the text left alone.
  panel.new_name_edit()->setText("mq");
  QTest::mouseClick(panel.add_button(), Qt::LeftButton);
  EXPECT_TRUE(panel.message().contains("already")) << panel.message().toStdString();
  // Remove the selected service: the file's bytes again.
  QTest::mouseClick(panel.remove_button(), Qt::LeftButton);
  EXPECT_EQ(text_of(window), original);
  EXPECT_EQ(window.diagram().graph().find("digest"), nullptr);
}

TEST(Editor, ClickingANodeSelectsItsService)
{
  MainWindow window;
  window.resize(1400, 900);
  ASSERT_TRUE(window.open_file(copy_of("topologies/three-tier.yaml", "click.yaml")));
  window.show();
  QApplication::processEvents();
  const auto* node = window.diagram().graph().find("users");
  ASSERT_NE(node, nullptr);
  auto& view = const_cast<scalelab::gui::DiagramView&>(window.diagram());
  const QPoint at = view.mapFromScene(QPointF(node->x, node->y));
  QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, at);
  EXPECT_EQ(window.properties().selected(), "users");
  EXPECT_EQ(window.diagram().selected(), "users");
  EXPECT_GE(window.properties().keys().indexOf("replication"), 0); // a database's form
}

// Opened and saved with no edit, every shipped topology, lesson, scenario and bench model is the same bytes (a
// lesson's or experiment's file opens with the loader's messages, since it is not a topology, and saves as it
// was).
TEST(Editor, OpenAndSaveKeepsEveryShippedFilesBytes)
{
  int files = 0, topologies = 0;
  for (const char* dir : {"topologies", "experiments", "bench"})
    for (const auto& e : fs::recursive_directory_iterator(source(dir))) {
      if (e.path().extension() != ".yaml")
        continue;
      MainWindow window;
      topologies += window.open_file(QString::fromStdString(e.path().string())) ? 1 : 0;
      const QString to = QString(SCALELAB_TEST_SCRATCH) + "/saved.yaml";
      ASSERT_TRUE(window.save_as(to)) << e.path();
      EXPECT_EQ(read_all(to.toStdString()), read_all(e.path().string())) << e.path();
      EXPECT_FALSE(window.document().modified());
      ++files;
    }
  EXPECT_GE(files, 80);
  EXPECT_GE(topologies, 40);
}

} // namespace
