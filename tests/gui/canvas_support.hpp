#pragma once
// The canvas's widget tests: a copy of a shipped file opened in a window, and a drag of the left button on the
// diagram as a person's hand makes it.
#include "diagram_view.hpp"
#include "document.hpp"
#include "main_window.hpp"
#include "text_support.hpp"

#include <QApplication>
#include <QFile>
#include <QMouseEvent>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace scalelab::gui::testing
{

inline std::string read_all(const QString& path)
{
  QFile f(path);
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
  return f.readAll().toStdString();
}

// A copy of a file of the source tree in the tests' scratch directory, under name.
inline QString copy_of(const std::string& relative, const std::string& name)
{
  std::filesystem::create_directories(SCALELAB_TEST_SCRATCH);
  const std::string to = std::string(SCALELAB_TEST_SCRATCH) + "/" + name;
  std::filesystem::copy_file(source_path(relative), to, std::filesystem::copy_options::overwrite_existing);
  return QString::fromStdString(to);
}

inline std::string text_of(const MainWindow& window)
{
  return window.document().text().toStdString();
}

// A press, moves and a release of the left button on the view, at scene points.
inline void drag(DiagramView& view, QPointF from, QPointF to)
{
  QWidget* port = view.viewport();
  const auto send = [&](QEvent::Type type, QPointF scene, Qt::MouseButtons buttons) {
    const QPointF at = view.mapFromScene(scene);
    QMouseEvent event(type, at, port->mapToGlobal(at), type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton,
                      buttons, Qt::NoModifier);
    QApplication::sendEvent(port, &event);
  };
  send(QEvent::MouseButtonPress, from, Qt::LeftButton);
  for (int i = 1; i <= 4; ++i)
    send(QEvent::MouseMove, from + (to - from) * i / 4.0, Qt::LeftButton);
  send(QEvent::MouseButtonRelease, to, Qt::NoButton);
  QApplication::processEvents();
}

// A copy of a shipped file opened in a window of 1400 x 900, shown, with its text as opened.
struct Opened {
  explicit Opened(const std::string& relative, const std::string& name)
  {
    window.resize(1400, 900);
    path = copy_of(relative, name);
    EXPECT_TRUE(window.open_file(path));
    window.show();
    QApplication::processEvents();
    original = text_of(window);
  }
  MainWindow window;
  QString path;
  std::string original;
};

} // namespace scalelab::gui::testing
