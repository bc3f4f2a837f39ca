// scalelab-gui [FILE] [--run] [--select SERVICE] [--set PATH=VALUE]... [--screenshot OUT.png]
// Opens FILE (a topology) in the editor. --select shows a service's properties; --set edits the document as the
// property panel does (services.app.workers=32), without saving; --run starts it at once; --screenshot saves the window
// to OUT.png and quits (after the run with --run; exit status 1 when the run failed): how the pictures of docs/gui.md
// are made, on any QT_QPA_PLATFORM.
#include "document.hpp"
#include "main_window.hpp"
#include "property_panel.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv)
{
  QApplication app(argc, argv);
  QApplication::setApplicationName("scalelab-gui");
  QCommandLineParser parser;
  parser.setApplicationDescription("Draws a scalelab topology, runs it with scalelab and charts the run.");
  parser.addHelpOption();
  parser.addPositionalArgument("FILE", "a topology file");
  QCommandLineOption run_option("run", "start the run at once");
  QCommandLineOption shot_option("screenshot", "save the window to PNG and quit (after the run with --run)", "PNG");
  QCommandLineOption size_option("size", "the window's size, WxH (default 1500x950)", "WxH");
  QCommandLineOption select_option("select", "show the properties of this service", "SERVICE");
  QCommandLineOption set_option("set", "edit the document: a dotted path and a YAML value, unsaved", "PATH=VALUE");
  parser.addOptions({run_option, shot_option, size_option, select_option, set_option});
  parser.process(app);

  scalelab::gui::MainWindow window;
  if (parser.isSet(size_option)) {
    const auto parts = parser.value(size_option).split('x');
    if (parts.size() == 2)
      window.resize(parts[0].toInt(), parts[1].toInt());
  }
  const auto files = parser.positionalArguments();
  bool opened = true;
  if (!files.isEmpty())
    opened = window.open_file(files.front());
  for (const auto& edit : parser.values(set_option)) {
    const auto eq = edit.indexOf('=');
    std::vector<std::string> path;
    for (const auto& part : edit.left(eq).split('.'))
      path.push_back(part.toStdString());
    const QString error = eq > 0 ? window.document().set_value(path, edit.mid(eq + 1)) : QString("no PATH=VALUE");
    if (!error.isEmpty())
      std::fprintf(stderr, "scalelab-gui: --set %s: %s\n", qPrintable(edit), qPrintable(error));
  }
  if (parser.isSet(select_option))
    window.properties().select(parser.value(select_option));
  window.show();

  const QString shot = parser.value(shot_option);
  bool run_ok = true;
  auto save = [&window, &run_ok, shot] {
    window.fit_diagram();
    const bool saved = window.grab().save(shot);
    if (!saved)
      std::fprintf(stderr, "scalelab-gui: cannot write %s\n", qPrintable(shot));
    QApplication::exit(saved && run_ok ? 0 : 1);
  };
  if (parser.isSet(run_option) && opened) {
    QObject::connect(&window, &scalelab::gui::MainWindow::run_finished, &window, [&](bool ok) {
      run_ok = ok;
      if (!ok)
        std::fprintf(stderr, "scalelab-gui: %s\n", qPrintable(window.last_message()));
      if (!shot.isEmpty())
        QTimer::singleShot(0, &window, save);
    });
    QTimer::singleShot(0, &window, [&window] { window.run(); });
  } else if (!shot.isEmpty()) {
    QTimer::singleShot(0, &window, save);
  }
  return QApplication::exec();
}
