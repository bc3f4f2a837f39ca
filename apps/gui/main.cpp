// scalelab-gui [FILE | --lesson DIR [--lesson-experiment]] [--run [--hold-at T]] [--compare BEFORE] [--follow N]
//              [--select SERVICE] [--set PATH=VALUE]... [--drop KIND@X,Y]... [--connect FROM:TO]...
//              [--move NODE@X,Y]... [--screenshot OUT.png] [--export-diagram OUT.svg|png] [--export-charts OUT.svg|png]
// Opens FILE (a topology) in the editor, or a lesson of the course beside its topology. --select shows a service's
// properties; --set edits the document as the property panel does (services.app.workers=32), without saving; --drop,
// --connect and --move edit it as the canvas does (a kind dropped from the palette at a point of the diagram, a
// connection dragged from one node to another, a node dragged to a point), in that order. --lesson-experiment runs
// the lesson's experiment (the pictures are taken when its plots are shown); --run starts the run at once (with
// --hold-at T, shown up to T and held: the pictures are taken then); --compare BEFORE runs the file BEFORE first,
// unseen, and shows the run beside it (Compare on); --follow N follows the N-th request the users send and draws
// its path (the pictures are taken when it is drawn). --screenshot saves the window to OUT.png, --export-diagram the
// whole diagram and --export-charts the charts (SVG or PNG, by the suffix), and it quits (exit status 1 when a run
// failed or a file could not be written): how the pictures of docs/gui.md are made, on any QT_QPA_PLATFORM.
#include "document.hpp"
#include "lesson_panel.hpp"
#include "main_window.hpp"
#include "property_panel.hpp"
#include "run_controls.hpp"

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
  QCommandLineOption lesson_option("lesson", "open a lesson (experiments/lessons/NN-name)", "DIR");
  QCommandLineOption lesson_experiment_option("lesson-experiment",
                                              "with --lesson: run its experiment and show its plots");
  QCommandLineOption diagram_option("export-diagram", "save the whole diagram (.svg or .png) and quit", "FILE");
  QCommandLineOption charts_option("export-charts", "save the charts (.svg or .png) and quit", "FILE");
  QCommandLineOption hold_option("hold-at",
                                 "with --run: show the run up to T seconds and hold there (the pictures "
                                 "are taken then)",
                                 "T");
  QCommandLineOption drop_option("drop", "add a service as the palette's drop does, at X,Y of the diagram", "KIND@X,Y");
  QCommandLineOption connect_option("connect", "connect two nodes as a drag from one to the other does", "FROM:TO");
  QCommandLineOption move_option("move", "move a node as a drag does, its centre to X,Y", "NODE@X,Y");
  QCommandLineOption compare_option("compare",
                                    "run BEFORE first (not shown) and show the run beside it: its diagram at the "
                                    "same time, its lines in the charts",
                                    "BEFORE");
  QCommandLineOption follow_option("follow", "follow the N-th request the users send and draw its path", "N");
  parser.addOptions({follow_option, run_option, shot_option, size_option, select_option, set_option, diagram_option,
                     charts_option, lesson_option, hold_option, drop_option, connect_option, move_option,
                     compare_option});
  parser.addOption(lesson_experiment_option);
  parser.process(app);

  scalelab::gui::MainWindow window;
  if (parser.isSet(size_option)) {
    const auto parts = parser.value(size_option).split('x');
    if (parts.size() == 2)
      window.resize(parts[0].toInt(), parts[1].toInt());
  }
  const auto files = parser.positionalArguments();
  bool opened = true;
  if (parser.isSet(lesson_option))
    opened = window.open_lesson(parser.value(lesson_option));
  else if (!files.isEmpty())
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
  // NAME@X,Y: the name and the point; false when it is not written so.
  const auto placed = [](const QString& arg, QString& name, double& x, double& y) {
    const auto at = arg.lastIndexOf('@');
    const auto xy = arg.mid(at + 1).split(',');
    bool ok_x = false, ok_y = false;
    if (at > 0 && xy.size() == 2) {
      name = arg.left(at);
      x = xy[0].toDouble(&ok_x);
      y = xy[1].toDouble(&ok_y);
    }
    return ok_x && ok_y;
  };
  const auto report = [](const char* option, const QString& arg, const QString& error) {
    if (!error.isEmpty())
      std::fprintf(stderr, "scalelab-gui: --%s %s: %s\n", option, qPrintable(arg), qPrintable(error));
  };
  for (const auto& arg : parser.values(drop_option)) {
    QString kind;
    double x = 0, y = 0;
    report("drop", arg, placed(arg, kind, x, y) ? window.drop_kind(kind, x, y) : QString("not KIND@X,Y"));
  }
  for (const auto& arg : parser.values(connect_option)) {
    const auto ends = arg.split(':');
    report("connect", arg, ends.size() == 2 ? window.connect_nodes(ends[0], ends[1]) : QString("not FROM:TO"));
  }
  for (const auto& arg : parser.values(move_option)) {
    QString node;
    double x = 0, y = 0;
    report("move", arg, placed(arg, node, x, y) ? window.move_node(node, x, y) : QString("not NODE@X,Y"));
  }
  if (parser.isSet(select_option))
    window.properties().select(parser.value(select_option));
  window.show();

  const QString shot = parser.value(shot_option);
  const QString diagram = parser.value(diagram_option), charts = parser.value(charts_option);
  const bool pictures = !shot.isEmpty() || !diagram.isEmpty() || !charts.isEmpty();
  bool run_ok = true;
  auto save = [&window, &run_ok, shot, diagram, charts] {
    window.fit_diagram();
    QStringList errors;
    if (!shot.isEmpty() && !window.grab().save(shot))
      errors << "cannot write " + shot;
    if (!diagram.isEmpty())
      errors << window.export_diagram(diagram);
    if (!charts.isEmpty())
      errors << window.export_charts(charts);
    errors.removeAll(QString());
    for (const auto& error : errors)
      std::fprintf(stderr, "scalelab-gui: %s\n", qPrintable(error));
    QApplication::exit(errors.isEmpty() && run_ok ? 0 : 1);
  };
  // A run, a followed request, a lesson's experiment or the run before has ended: its outcome, then the pictures.
  const auto ended = [&](bool ok, bool say_why) {
    run_ok = ok;
    if (!ok && say_why)
      std::fprintf(stderr, "scalelab-gui: %s\n", qPrintable(window.last_message()));
    if (pictures)
      QTimer::singleShot(0, &window, save);
  };
  if (parser.isSet(follow_option) && opened) {
    QObject::connect(&window, &scalelab::gui::MainWindow::follow_finished, &window, [&](bool ok) { ended(ok, true); });
    const auto index = parser.value(follow_option).toULongLong();
    QTimer::singleShot(0, &window, [&window, index] {
      if (const QString error = window.follow_request(index); !error.isEmpty()) {
        std::fprintf(stderr, "scalelab-gui: --follow: %s\n", qPrintable(error));
        QApplication::exit(1);
      }
    });
  } else if (parser.isSet(run_option) && opened) {
    QObject::connect(&window, &scalelab::gui::MainWindow::run_finished, &window, [&](bool ok) { ended(ok, true); });
    const bool hold = parser.isSet(hold_option);
    const double hold_at = parser.value(hold_option).toDouble();
    const auto start = [&window, hold, hold_at] {
      window.run();
      if (hold)
        window.run_controls().play_to(hold_at);
    };
    if (parser.isSet(compare_option)) {
      // The run before first, then this run beside it.
      QObject::connect(&window, &scalelab::gui::MainWindow::before_ready, &window, [&, start](bool ok) {
        if (ok) {
          start();
          return;
        }
        ended(false, true);
        if (!pictures)
          QApplication::exit(1);
      });
      const QString error = window.run_before(parser.value(compare_option));
      if (!error.isEmpty()) {
        std::fprintf(stderr, "scalelab-gui: --compare: %s\n", qPrintable(error));
        return 1;
      }
    } else {
      QTimer::singleShot(0, &window, start);
    }
    if (hold && pictures)
      QObject::connect(&window.run_controls(), &scalelab::gui::RunControls::held, &window, [&](bool on) {
        if (on)
          QTimer::singleShot(0, &window, save);
      });
  } else if (parser.isSet(lesson_experiment_option) && parser.isSet(lesson_option) && opened) {
    QObject::connect(&window.lesson(), &scalelab::gui::LessonPanel::experiment_done, &window,
                     [&](bool ok) { ended(ok, false); });
    QTimer::singleShot(0, &window, [&window] { window.lesson().run_experiment(); });
  } else if (parser.isSet(compare_option) && opened) { // the run before alone: its lines in the charts
    QObject::connect(&window, &scalelab::gui::MainWindow::before_ready, &window, [&](bool ok) { ended(ok, false); });
    if (const QString error = window.run_before(parser.value(compare_option)); !error.isEmpty()) {
      std::fprintf(stderr, "scalelab-gui: --compare: %s\n", qPrintable(error));
      return 1;
    }
  } else if (pictures) {
    QTimer::singleShot(0, &window, save);
  }
  return QApplication::exec();
}
