// scalelab-gui's window on the offscreen platform: it opens a shipped topology and draws it, runs it through the
// scalelab binary and shows the run, and renders both to PNG files.
#include "canvas_support.hpp"
#include "charts_panel.hpp"
#include "diagram_view.hpp"
#include "document.hpp"
#include "edge_flow.hpp"
#include "lesson_panel.hpp"
#include "main_window.hpp"
#include "run_controls.hpp"

#include <QApplication>
#include <QFile>
#include <QGraphicsScene>
#include <QImage>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

#include <gtest/gtest.h>

#include <map>

#include <filesystem>

namespace
{

namespace fs = std::filesystem;
using scalelab::gui::testing::copy_of;

QString source(const char* relative)
{
  return QString(SCALELAB_SOURCE_DIR) + "/" + relative;
}

QString scratch(const char* name)
{
  fs::create_directories(SCALELAB_TEST_SCRATCH);
  return QString(SCALELAB_TEST_SCRATCH) + "/" + name;
}

QByteArray read_bytes(const QString& path)
{
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Share of pixels that are not the background's: a blank picture has none.
double drawn_share(const QImage& image)
{
  const QRgb background = image.pixel(image.width() - 5, image.height() / 2);
  int drawn = 0, total = 0;
  for (int y = 0; y < image.height(); y += 4)
    for (int x = 0; x < image.width(); x += 4, ++total)
      drawn += image.pixel(x, y) != background ? 1 : 0;
  return total ? static_cast<double>(drawn) / total : 0;
}

TEST(MainWindow, OpensAShippedTopologyAndRendersItToPng)
{
  scalelab::gui::MainWindow window;
  window.resize(1400, 900);
  ASSERT_TRUE(window.open_file(source("topologies/cache-aside.yaml")));
  window.show();
  QApplication::processEvents();
  EXPECT_EQ(window.diagram().graph().nodes().size(), 5u);
  // The scene holds a node item per node, and the edges' lines, heads and labels.
  EXPECT_GT(window.diagram().scene()->items().size(), 5u + 3 * window.diagram().graph().edges().size());
  // Fitted to the view once shown: a diagram of four columns is drawn at a readable scale.
  EXPECT_GT(window.diagram().transform().m11(), 0.6);
  const QString png = scratch("gui-open.png");
  ASSERT_TRUE(window.grab().save(png));
  const QImage image(png);
  ASSERT_FALSE(image.isNull());
  EXPECT_GE(image.width(), 1400);
  EXPECT_GT(drawn_share(image), 0.02);
}

// Export diagram and Export charts: the whole diagram, also where the view does not reach, as SVG whose text
// stays text and as PNG; the charts as SVG; a name that is neither refused.
TEST(MainWindow, ExportsTheWholeDiagramAndTheChartsAsSvgAndPng)
{
  scalelab::gui::MainWindow window;
  window.resize(500, 400); // too small to show the whole diagram at a readable scale
  ASSERT_TRUE(window.open_file(source("topologies/cache-aside.yaml")));
  window.show();
  QApplication::processEvents();
  const auto read = [](const QString& path) { return QString::fromUtf8(read_bytes(path)); };
  const QString svg = scratch("diagram.svg");
  ASSERT_EQ(window.export_diagram(svg), QString());
  const QString drawing = read(svg);
  EXPECT_TRUE(drawing.startsWith("<?xml")) << drawing.left(80).toStdString();
  EXPECT_TRUE(drawing.contains("<svg"));
  for (const auto& node : window.diagram().graph().nodes())
    EXPECT_TRUE(drawing.contains(">" + QString::fromStdString(node.label) + "<")) << node.label;
  const QString png = scratch("diagram.png");
  ASSERT_EQ(window.export_diagram(png), QString());
  const QImage image(png);
  ASSERT_FALSE(image.isNull());
  // At twice the scene's size, whatever the view shows.
  EXPECT_GE(image.width(), 2 * static_cast<int>(window.diagram().scene()->itemsBoundingRect().width()));
  EXPECT_GT(drawn_share(image), 0.02);
  window.resize(1400, 900); // the charts' titles are cut short in a narrow window
  QApplication::processEvents();
  const QString charts = scratch("charts.svg");
  ASSERT_EQ(window.export_charts(charts), QString());
  EXPECT_TRUE(read(charts).contains("Users: answered per second"));
  const QString wrong = scratch("diagram.jpg");
  EXPECT_TRUE(window.export_diagram(wrong).contains(".png or .svg"));
  EXPECT_FALSE(QFile::exists(wrong));
}

// Break it: a service's fault goes into the document's timeline (the middle of the measured window when nothing
// runs, one undo step); during a run at the run's time, and the run starts again with it: its errors show.
TEST(MainWindow, BreakingANodeAddsItsFaultAndARunGoingOnStartsAgainWithIt)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  const QString file = copy_of("topologies/three-tier.yaml", "break.yaml"); // a run saves the file first
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(file));
  const QString original = window.document().text();
  using scalelab::gui::BreakKind;
  EXPECT_FALSE(window.break_node("(users)", BreakKind::crash).isEmpty()); // the users cannot be broken
  ASSERT_EQ(window.break_node("app", BreakKind::crash_for), QString());
  // Warm-up 20 s, duration 120 s: at 70 s.
  EXPECT_EQ(window.document().text(), original + "faults: [{at: 70s, crash_service: app, for: 10s}]\n");
  EXPECT_TRUE(window.problems().isEmpty());
  window.undo();
  EXPECT_EQ(window.document().text(), original);

  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  window.run();
  window.run_controls().play_to(30); // held at 30 s, the run still going on as far as the window shows
  ASSERT_TRUE(QTest::qWaitFor([&] { return window.run_controls().paused() || !window.running(); }, 60000));
  ASSERT_TRUE(window.running());
  ASSERT_EQ(window.samples_received(), 30);
  ASSERT_EQ(window.break_node("app", BreakKind::crash), QString());
  const QString text = window.document().text();
  const int at = text.indexOf("faults: [{at: ");
  ASSERT_GE(at, 0) << text.toStdString();
  const double when = text.mid(at + 14, text.indexOf('s', at + 14) - at - 14).toDouble();
  EXPECT_EQ(when, 30);
  EXPECT_TRUE(text.endsWith(", crash_service: app}]\n")) << text.toStdString();
  ASSERT_TRUE(finished.wait(120000));
  ASSERT_EQ(finished.size(), 1); // the run stopped to start again is not a run's end
  EXPECT_TRUE(finished.front().front().toBool()) << window.last_message().toStdString();
  EXPECT_EQ(window.samples_received(), 120); // the whole run again, with the crash
  // The api servers are down from `when` on: the users' requests after it fail, for want of a backend.
  EXPECT_FALSE(window.last_message().contains(", 0 errors")) << window.last_message().toStdString();
  const auto all = window.charts().points("Users: errors per second", "all causes");
  ASSERT_EQ(all.size(), 120);
  std::map<QString, QList<QPointF>> causes;
  for (const QString cause : {"host_down", "no_backend", "queue_full", "timeout"})
    if (const auto line = window.charts().points("Users: errors per second", cause); !line.isEmpty())
      causes[cause] = line;
  ASSERT_FALSE(causes.empty()) << "a line per cause";
  for (int i = 0; i < 120; ++i) {
    double sum = 0;
    for (const auto& [cause, line] : causes)
      for (const QPointF& p : line)
        sum += p.x() == all[i].x() ? p.y() : 0;
    EXPECT_DOUBLE_EQ(sum, all[i].y()) << "the causes add up at " << all[i].x() << " s";
  }
}

// Compare: a run, then the same file with its API servers crashed at 70 s for 10 s: the users' charts hold both
// runs, the same before the crash (the same seed), and the one broken answers nothing during it.
TEST(MainWindow, ComparesARunWithTheRunBeforeOnTheSameSeed)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  const QString file = copy_of("topologies/three-tier.yaml", "compare.yaml");
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(file));
  window.set_compare(true);
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  window.run();
  ASSERT_TRUE(finished.wait(120000));
  EXPECT_FALSE(window.last_message().contains("before:")); // nothing to compare with yet
  ASSERT_EQ(window.break_node("app", scalelab::gui::BreakKind::crash_for), QString());
  window.run();
  ASSERT_TRUE(finished.wait(120000));
  ASSERT_EQ(finished.size(), 2);
  EXPECT_TRUE(window.last_message().contains("; before: ")) << window.last_message().toStdString();
  const QString title = "Users: answered per second";
  const auto now = window.charts().points(title, "this run");
  const auto before = window.charts().points(title, "before");
  ASSERT_EQ(now.size(), 120);
  ASSERT_EQ(before.size(), 120);
  int same = 0, down = 0;
  for (int i = 0; i < 120; ++i) {
    ASSERT_EQ(now[i].x(), before[i].x());
    if (now[i].x() < 70)
      same += now[i].y() == before[i].y() ? 1 : 0;
    else if (now[i].x() > 71 && now[i].x() < 79) {
      down += now[i].y() == 0 && before[i].y() > 1000 ? 1 : 0;
    }
  }
  EXPECT_EQ(same, 70);
  EXPECT_EQ(down, 8);
  ASSERT_TRUE(const_cast<scalelab::gui::ChartsPanel&>(window.charts()).grab().save(scratch("gui-compare.png")));
}

// Break it during a run holds at the fault's time: the run starts again with the fault and is shown at once up to
// it (the same seed: the same points as the run seen), then plays on at the chosen speed with the fault.
TEST(MainWindow, BreakingDuringARunShowsTheRunUpToTheFaultAtOnceThenPlaysOn)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  const QString file = copy_of("topologies/three-tier.yaml", "break-hold.yaml");
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(file));
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  auto& controls = window.run_controls();
  window.run();
  controls.play_to(30);
  ASSERT_TRUE(QTest::qWaitFor([&] { return controls.paused() || !window.running(); }, 60000));
  ASSERT_EQ(controls.shown_to(), 30);
  const QString title = "Users: answered per second";
  const auto seen = window.charts().points(title, "answered");
  ASSERT_EQ(seen.size(), 30);
  controls.set_speed(1); // after the fault, one simulated second per wall second
  ASSERT_EQ(window.break_node("app", scalelab::gui::BreakKind::crash_for), QString());
  EXPECT_TRUE(window.document().text().endsWith("faults: [{at: 30s, crash_service: app, for: 10s}]\n"));
  // Played from the start at 1x, 30 s would take 30 s of wall time: shown at once, it takes what the run takes.
  ASSERT_TRUE(QTest::qWaitFor([&] { return controls.shown_to() >= 30; }, 15000)) << controls.shown_to();
  const auto replayed = window.charts().points(title, "answered");
  ASSERT_GE(replayed.size(), 30);
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(replayed[i], seen[i]) << "the same seed: the same first 30 s";
  EXPECT_FALSE(controls.paused()) << "it plays on from the fault's time";
  ASSERT_TRUE(QTest::qWaitFor([&] { return window.samples_received() >= 32; }, 15000));
  EXPECT_FALSE(controls.paused());
  controls.set_speed(0); // what is held is shown at once: the run's end may come before the wait
  ASSERT_TRUE(finished.size() == 1 || finished.wait(120000));
  ASSERT_EQ(finished.size(), 1);
  EXPECT_TRUE(finished.front().front().toBool()) << window.last_message().toStdString();
  EXPECT_EQ(window.samples_received(), 120);
  const auto errors = window.charts().points("Users: errors per second", "all causes");
  ASSERT_EQ(errors.size(), 120);
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(errors[i].y(), 0) << "no fault before 30 s, at " << errors[i].x();
  for (int i = 31; i < 39; ++i)
    EXPECT_GT(errors[i].y(), 1000) << "the API servers are down, at " << errors[i].x();
}

bool same_figures(const scalelab::gui::NodeMetrics& a, const scalelab::gui::NodeMetrics& b)
{
  return a.throughput == b.throughput && a.errors_per_second == b.errors_per_second &&
         a.latency_mean == b.latency_mean && a.latency_p99 == b.latency_p99 && a.utilisation == b.utilisation &&
         a.queue == b.queue && a.final == b.final;
}

// Compare side by side: after a run and a second one with the API servers crashed at 70 s for 10 s, the run before's
// diagram stands beside this one's, at the same simulated time while it plays, with the measured window's figures at
// the end: those of the first run, which differ from this run's where the crash hurt.
TEST(MainWindow, ComparesTwoRunsDiagramsSideBySide)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  const QString file = copy_of("topologies/three-tier.yaml", "compare-side.yaml");
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(file));
  window.set_compare(true);
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  auto& controls = window.run_controls();
  window.run();
  EXPECT_FALSE(window.before_shown()) << "no run before yet";
  ASSERT_TRUE(finished.wait(120000));
  const auto first = window.diagram().metrics();
  ASSERT_TRUE(first.count("app") && first.at("app").final && first.at("app").utilisation);
  const QString first_edge = window.diagram().edge_flow()->counter("lb", "app");
  const auto first_utilisation = window.charts().points("Utilisation (held / capacity)", "app");
  ASSERT_EQ(first_utilisation.size(), 120);

  ASSERT_EQ(window.break_node("app", scalelab::gui::BreakKind::crash_for), QString()); // at 70 s
  window.run();
  ASSERT_TRUE(window.before_shown());
  controls.play_to(75);
  ASSERT_TRUE(QTest::qWaitFor([&] { return controls.paused() || !window.running(); }, 60000));
  ASSERT_EQ(controls.shown_to(), 75);
  // At 75 s: the run before's interval 74-75 s beside this run's, whose API servers are down.
  const auto before_now = window.before_diagram().metrics();
  const auto this_now = window.diagram().metrics();
  ASSERT_TRUE(before_now.count("app") && this_now.count("app") && before_now.count("(users)"));
  EXPECT_FALSE(before_now.at("app").final);
  EXPECT_DOUBLE_EQ(*before_now.at("app").utilisation * 100, first_utilisation[74].y());
  EXPECT_GT(before_now.at("(users)").throughput, 1000);
  EXPECT_EQ(this_now.at("(users)").throughput, 0);
  EXPECT_GT(this_now.at("(users)").errors_per_second, 1000);
  EXPECT_EQ(before_now.at("(users)").errors_per_second, 0);
  EXPECT_GT(window.before_diagram().edge_flow()->dots("lb", "app"), 0);
  ASSERT_TRUE(window.grab().save(scratch("gui-compare-75.png")));

  controls.set_speed(0);
  controls.resume();
  ASSERT_TRUE(finished.size() == 2 || finished.wait(120000));
  ASSERT_EQ(finished.size(), 2);
  // At the end: the first run's measured window, node by node and on the edges.
  const auto before_end = window.before_diagram().metrics();
  ASSERT_EQ(before_end.size(), first.size());
  for (const auto& [id, m] : first)
    EXPECT_TRUE(before_end.count(id) && same_figures(before_end.at(id), m)) << id;
  EXPECT_EQ(window.before_diagram().edge_flow()->counter("lb", "app"), first_edge);
  const auto this_end = window.diagram().metrics();
  EXPECT_FALSE(same_figures(this_end.at("app"), first.at("app"))) << "the crashed service differs";
  EXPECT_GT(this_end.at("(users)").errors_per_second, 0);
  EXPECT_EQ(first.at("(users)").errors_per_second, 0);
  EXPECT_NE(window.diagram().edge_flow()->counter("lb", "app"), first_edge); // its items are new since the edit
  // The utilisation chart: the first run's line of each service, dashed, beside this run's.
  EXPECT_EQ(window.charts().points("Utilisation (held / capacity)", "app before"), first_utilisation);
  EXPECT_EQ(window.charts().points("Utilisation (held / capacity)", "app").size(), 120);
  window.set_compare(false);
  EXPECT_FALSE(window.before_shown());
}

// Two files compared without editing between runs: the run before is another file's, run unseen first; its
// figures are those the same file gives when run in the window (the same seed, the same run).
TEST(MainWindow, ComparesWithTheRunOfAnotherFile)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  std::map<std::string, scalelab::gui::NodeMetrics> plain;
  {
    scalelab::gui::MainWindow window;
    ASSERT_TRUE(window.open_file(source("topologies/three-tier.yaml")));
    QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
    window.run();
    ASSERT_TRUE(finished.wait(120000));
    plain = window.diagram().metrics();
  }
  const QString broken = copy_of("topologies/three-tier.yaml", "compare-broken.yaml");
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(broken));
  ASSERT_EQ(window.break_node("app", scalelab::gui::BreakKind::crash_for), QString());
  EXPECT_FALSE(window.run_before(scratch("no-such-file.yaml")).isEmpty());
  QSignalSpy ready(&window, &scalelab::gui::MainWindow::before_ready);
  ASSERT_EQ(window.run_before(source("topologies/three-tier.yaml")), QString());
  ASSERT_TRUE(ready.wait(120000));
  ASSERT_TRUE(ready.front().front().toBool()) << window.last_message().toStdString();
  EXPECT_EQ(window.charts().points("Users: answered per second", "before").size(), 120);
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  window.run();
  ASSERT_TRUE(window.before_shown());
  ASSERT_TRUE(finished.wait(120000));
  const auto before = window.before_diagram().metrics();
  ASSERT_EQ(before.size(), plain.size());
  for (const auto& [id, m] : plain)
    EXPECT_TRUE(before.count(id) && same_figures(before.at(id), m)) << id;
  EXPECT_TRUE(window.last_message().contains("; before: ")) << window.last_message().toStdString();
  EXPECT_FALSE(same_figures(window.diagram().metrics().at("(users)"), plain.at("(users)")));
}

// A lesson: its topology in the editor, its questions with a field each (a list for a choice); Run the experiment
// shows the plots the sweep drew; Check runs scalelab grade: each answer said right or wrong with the simulated
// value; the challenge grades a topology: the lesson's solution passes, its starting topology fails.
TEST(MainWindow, OpensALessonRunsItsExperimentChecksItsAnswersAndGradesTheChallenge)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  scalelab::gui::MainWindow window;
  EXPECT_FALSE(window.open_lesson(source("topologies")));
  // A copy: Grade my topology saves the file in the editor, the lesson's topology.
  const QString copy = scratch("lesson-04");
  fs::remove_all(copy.toStdString());
  fs::copy(source("experiments/lessons/04-load-balancer").toStdString(), copy.toStdString(),
           fs::copy_options::recursive);
  ASSERT_TRUE(window.open_lesson(copy));
  EXPECT_TRUE(window.document().path().endsWith("lesson-04/topology.yaml"));
  auto& lesson = window.lesson();
  EXPECT_EQ(lesson.title(), "A load balancer");
  ASSERT_EQ(lesson.questions(), (QStringList{"four_servers_max", "four_servers_bottleneck", "least_connections_p99"}));
  EXPECT_TRUE(lesson.ask("four_servers_max").startsWith("With 4 servers"));
  EXPECT_EQ(lesson.choices("four_servers_bottleneck"), (QStringList{"web_cores", "db_disk"}));
  EXPECT_TRUE(lesson.choices("four_servers_max").isEmpty());
  // Run the experiment: scalelab sweep draws the experiment's three plots, shown on the Plots tab.
  QSignalSpy ran(&lesson, &scalelab::gui::LessonPanel::experiment_done);
  lesson.run_experiment();
  ASSERT_TRUE(ran.wait(180000));
  EXPECT_TRUE(ran.front().at(0).toBool());
  const QStringList plots = lesson.plots_shown();
  ASSERT_EQ(plots.size(), 3);
  EXPECT_TRUE(plots[0].endsWith("plots/throughput-by-load.png")) << plots[0].toStdString();
  for (const QString& png : plots)
    EXPECT_EQ(QImage(png).size(), QSize(900, 560)) << png.toStdString(); // drawn by gnuplot, as the sweep does
  // A run's results, to see that Check reuses them rather than running the experiment again.
  fs::path a_run;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(plots[0].toStdString()).parent_path().parent_path()))
    if (e.path().filename() == "results.json")
      a_run = e.path();
  ASSERT_FALSE(a_run.empty());
  const auto ran_at = fs::last_write_time(a_run);
  lesson.set_answer("four_servers_max", "4700");
  lesson.set_answer("four_servers_bottleneck", "db_disk");
  lesson.set_answer("least_connections_p99", "37ms");
  QSignalSpy graded(&lesson, &scalelab::gui::LessonPanel::graded);
  lesson.check();
  ASSERT_TRUE(graded.wait(180000));
  EXPECT_EQ(graded.front().at(0).toInt(), 2);
  EXPECT_EQ(graded.front().at(1).toInt(), 3);
  EXPECT_TRUE(lesson.verdict("four_servers_max").startsWith("4700 is wrong; the simulation gives"))
      << lesson.verdict("four_servers_max").toStdString();
  EXPECT_TRUE(lesson.verdict("four_servers_bottleneck").startsWith("db_disk is right"));
  EXPECT_TRUE(lesson.verdict("least_connections_p99").startsWith("37ms is right"))
      << lesson.verdict("least_connections_p99").toStdString();
  EXPECT_EQ(lesson.plots_shown(), plots);
  EXPECT_EQ(fs::last_write_time(a_run), ran_at); // graded on the same runs, not run again

  // The challenge: the lesson's solution passes it, the topology it starts from does not.
  ASSERT_TRUE(lesson.has_challenge());
  QSignalSpy challenge(&lesson, &scalelab::gui::LessonPanel::challenge_graded);
  lesson.grade_challenge(copy + "/solution/topology.yaml");
  ASSERT_TRUE(challenge.wait(180000));
  EXPECT_TRUE(challenge.front().at(0).toBool()) << lesson.challenge_result().toStdString();
  EXPECT_TRUE(lesson.challenge_result().endsWith("PASS")) << lesson.challenge_result().toStdString();
  // Grade my topology: the window saves the file it shows (edited: a worker more per API server) and grades it.
  const QString start = copy + "/topology.yaml";
  ASSERT_EQ(window.document().set_value({"services", "app", "workers"}, "17"), QString());
  const QByteArray before = read_bytes(start);
  emit lesson.challenge_requested();
  ASSERT_TRUE(challenge.wait(180000));
  EXPECT_NE(read_bytes(start), before); // saved with the edit
  EXPECT_FALSE(challenge.back().at(0).toBool()) << lesson.challenge_result().toStdString();
  EXPECT_TRUE(lesson.challenge_result().contains("not met:")) << lesson.challenge_result().toStdString();
  EXPECT_TRUE(lesson.challenge_result().endsWith("FAIL")) << lesson.challenge_result().toStdString();
  // The experiment on the edited topology runs afresh (its runs in a directory of their own), not refused.
  lesson.run_experiment();
  ASSERT_TRUE(ran.wait(180000));
  EXPECT_TRUE(ran.back().at(0).toBool());
  ASSERT_EQ(lesson.plots_shown().size(), 3);
  EXPECT_NE(lesson.plots_shown(), plots);
}

TEST(MainWindow, ShowsTheLoadersMessagesForABadFile)
{
  const QString bad = scratch("bad.yaml");
  {
    QFile f(bad);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("name: x\nservices:\n  app: {kind: api_servr, host: a}\n");
  }
  scalelab::gui::MainWindow window;
  EXPECT_FALSE(window.open_file(bad));
  EXPECT_TRUE(window.diagram().graph().nodes().empty());
  EXPECT_TRUE(window.last_message().contains("problem")) << window.last_message().toStdString();
}

TEST(MainWindow, RunsTheTopologyThroughScalelabAndShowsEveryInterval)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  scalelab::gui::MainWindow window;
  window.resize(1400, 900);
  ASSERT_TRUE(window.open_file(source("topologies/three-tier.yaml")));
  window.show();
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  window.run();
  EXPECT_TRUE(window.running());
  ASSERT_TRUE(finished.wait(120000));
  ASSERT_EQ(finished.size(), 1);
  EXPECT_TRUE(finished.front().front().toBool()) << window.last_message().toStdString();
  EXPECT_EQ(window.samples_received(), 120); // 120 s at one row a second
  EXPECT_TRUE(window.last_message().startsWith("finished: 1500")) << window.last_message().toStdString();
  EXPECT_FALSE(window.running());
  const auto p50 = window.charts().points("Users: latency per interval", "p50");
  const auto p99 = window.charts().points("Users: latency per interval", "p99");
  const auto mean = window.charts().points("Users: latency per interval", "mean");
  ASSERT_EQ(p50.size(), 120);
  ASSERT_EQ(p99.size(), 120);
  ASSERT_EQ(mean.size(), 120);
  for (int i = 0; i < 120; ++i) {
    EXPECT_LT(p50[i].y(), p99[i].y()) << i;
    EXPECT_LT(mean[i].y(), p99[i].y()) << i;
  }
  ASSERT_TRUE(window.grab().save(scratch("gui-run.png")));
}

// Pause, step, the time slider: the charts show what was asked whatever the run's own pace; a step back
// replays the run from its seed up to that time.
TEST(MainWindow, PlaysTheRunToATimeStepsAndReplaysBackToAnEarlierTime)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(source("topologies/three-tier.yaml")));
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  auto& controls = window.run_controls();
  window.run();
  controls.play_to(10);
  ASSERT_TRUE(QTest::qWaitFor([&] { return controls.paused(); }, 60000));
  EXPECT_EQ(window.samples_received(), 10);
  // The edges during the run: the interval's exact requests per second written on them, dots on the busiest, held
  // still while the playback is.
  const auto* flow = window.diagram().edge_flow();
  ASSERT_NE(flow, nullptr);
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"(users)", "lb"}, {"lb", "app"}, {"app", "users"}}) {
    const QString counter = flow->counter(from, to);
    ASSERT_TRUE(counter.endsWith("/s")) << from << " -> " << to;
    EXPECT_NEAR(counter.chopped(2).toDouble(), 1500, 150) << from << " -> " << to; // Poisson at 1500/s
    EXPECT_GE(flow->dots(from, to), 1);
    // Each service has a utilisation: the dots going into it take its colour, not the edge's.
    EXPECT_TRUE(flow->dot_colour(from, to).isValid());
  }
  EXPECT_NE(flow->dot_colour("lb", "app"), flow->dot_colour("app", "users"))
      << "the API server and the database are not as busy as each other";
  EXPECT_FALSE(window.diagram().flowing()) << "held: the dots too";
  window.resize(1400, 900);
  ASSERT_TRUE(window.grab().save(scratch("gui-flow.png")));
  const auto at_ten = window.charts().points("Users: answered per second", "answered");
  ASSERT_EQ(at_ten.size(), 10);
  controls.step();
  controls.step();
  ASSERT_TRUE(QTest::qWaitFor([&] { return window.samples_received() == 12; }, 60000));
  EXPECT_EQ(controls.shown_to(), 12);
  QTest::qWait(300); // held: nothing more is shown, though the run has all its intervals by now
  EXPECT_EQ(window.samples_received(), 12);
  EXPECT_TRUE(window.running());
  controls.seek(5); // back: the run again, shown up to 5 s
  ASSERT_TRUE(QTest::qWaitFor([&] { return controls.paused() && controls.shown_to() == 5; }, 60000));
  EXPECT_EQ(window.samples_received(), 5);
  const auto replayed = window.charts().points("Users: answered per second", "answered");
  ASSERT_EQ(replayed.size(), 5);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(replayed[i], at_ten[i]) << "the same seed: the same first five seconds";
  EXPECT_EQ(finished.size(), 0) << "a replay is not a run's end";
  controls.set_speed(0);
  controls.resume();
  ASSERT_TRUE(finished.wait(120000));
  EXPECT_TRUE(finished.front().front().toBool()) << window.last_message().toStdString();
  EXPECT_EQ(window.samples_received(), 120);
  EXPECT_FALSE(window.running());
  // After the run: the measured window's mean on the edges, still.
  EXPECT_NEAR(flow->counter("(users)", "lb").chopped(2).toDouble(), 1500, 30);
  EXPECT_FALSE(window.diagram().flowing());
}

// A dot takes the colour its target is given (the diagram gives the target's utilisation's); an edge whose target
// has none keeps its own, and clearing the run clears the colours.
TEST(EdgeFlow, ADotTakesItsTargetsColourAndFallsBackToTheEdges)
{
  scalelab::gui::EdgeFlow flow;
  QPainterPath a_b, b_c;
  a_b.lineTo(100, 0);
  b_c.moveTo(100, 0);
  b_c.lineTo(200, 0);
  flow.add_edge("a", "b", a_b, QColor(0, 0, 255));
  flow.add_edge("b", "c", b_c, QColor(0, 128, 0));
  flow.set_rates({{{"a", "b"}, 10}, {{"b", "c"}, 5}}, true);
  flow.set_dot_colours({{"b", QColor(200, 0, 0)}});
  EXPECT_EQ(flow.dot_colour("a", "b"), QColor(200, 0, 0));
  EXPECT_EQ(flow.dot_colour("b", "c"), QColor(0, 128, 0).lighter(115));
  flow.clear_rates();
  EXPECT_EQ(flow.dot_colour("a", "b"), QColor(0, 0, 255).lighter(115));
  EXPECT_FALSE(flow.dot_colour("c", "a").isValid()); // no such edge
}

// The second tab: each service's requests waiting, each cache's hit ratio, each replica's lag, a point per
// interval from the stream.
TEST(MainWindow, ChartsTheQueuesTheCachesHitRatioAndTheReplicasLag)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  scalelab::gui::MainWindow window;
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  ASSERT_TRUE(window.open_file(source("topologies/primary-replicas.yaml")));
  window.run();
  ASSERT_TRUE(finished.wait(120000));
  for (const char* replica : {"users/db-2", "users/db-3"}) {
    const auto lag = window.charts().points("Replication lag (mean per interval)", replica);
    // A point per interval in which it applied writes: every second until the primary's host crashes at 60 s.
    EXPECT_GE(lag.size(), 59) << replica;
    for (const QPointF& p : lag)
      EXPECT_GT(p.y(), 0) << replica << " at " << p.x();
  }
  EXPECT_EQ(window.charts().points("Requests waiting (queue length)", "app").size(), 120);
  ASSERT_TRUE(window.open_file(source("topologies/cache-aside.yaml")));
  window.run();
  ASSERT_TRUE(finished.wait(120000));
  const auto hits = window.charts().points("Cache hit ratio", "user_cache");
  EXPECT_EQ(hits.size(), 60);
  for (const QPointF& p : hits) {
    EXPECT_GE(p.y(), 0);
    EXPECT_LE(p.y(), 100);
  }
  EXPECT_GT(hits.back().y(), hits.front().y()) << "the cache warms up";
  auto& charts = const_cast<scalelab::gui::ChartsPanel&>(window.charts());
  auto* tabs = charts.findChild<QTabWidget*>();
  ASSERT_NE(tabs, nullptr);
  tabs->setCurrentIndex(1);
  charts.resize(1400, 260);
  ASSERT_TRUE(charts.grab().save(scratch("gui-charts-queues.png")));
}

TEST(MainWindow, StopEndsARun)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(source("topologies/sharded-replicated.yaml")));
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  window.run();
  window.stop();
  EXPECT_FALSE(window.running());
  ASSERT_TRUE(finished.size() == 1 || finished.wait(10000));
  EXPECT_FALSE(finished.front().front().toBool());
  EXPECT_EQ(window.last_message(), "run stopped");
}

TEST(MainWindow, SaysSoWhenScalelabCannotStart)
{
  qputenv("SCALELAB_BINARY", "/nonexistent/scalelab");
  scalelab::gui::MainWindow window;
  ASSERT_TRUE(window.open_file(source("topologies/three-tier.yaml")));
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::run_finished);
  window.run();
  ASSERT_TRUE(finished.size() == 1 || finished.wait(10000));
  EXPECT_FALSE(finished.front().front().toBool());
  EXPECT_TRUE(window.last_message().contains("cannot start /nonexistent/scalelab"))
      << window.last_message().toStdString();
  EXPECT_FALSE(window.running());
}

} // namespace

int main(int argc, char** argv)
{
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
