#pragma once
// A lesson of the course beside the editor: its README (objectives, the idea, what to look at), its questions
// with a field each, and three buttons, each a `scalelab` child process whose runs go to one directory per
// opened lesson (so each resumes what the one before ran):
// - Run the experiment: `scalelab sweep EXPERIMENT`, then the plots it drew, on the Plots tab;
// - Check my answers: `scalelab grade LESSON ANSWERS` (the same experiment), each question right or wrong with
//   the simulated value;
// - Grade my topology: `scalelab grade LESSON FILE` on the editor's file, each requirement of the lesson's
//   challenge met or not, and PASS or FAIL.
#include <QProcess>
#include <QTemporaryDir>
#include <QWidget>

#include <map>
#include <memory>
#include <string>

QT_BEGIN_NAMESPACE
class QLabel;
class QPushButton;
class QTabWidget;
class QTextBrowser;
class QVBoxLayout;
QT_END_NAMESPACE

namespace scalelab::gui
{

class LessonPanel : public QWidget
{
  Q_OBJECT
public:
  explicit LessonPanel(QWidget* parent = nullptr);

  // A lesson's directory (experiments/lessons/NN-name); false with the loader's message in error.
  bool open(const QString& directory, QString& error);
  QString directory() const { return directory_; }
  QString title() const { return title_; }
  QStringList questions() const; // their names, in the lesson's order
  QString ask(const QString& question) const;
  QStringList choices(const QString& question) const; // empty for a number
  void set_answer(const QString& question, const QString& answer);
  // Starts the grading; graded() when it ends.
  void check();
  bool checking() const { return process_.state() != QProcess::NotRunning; }
  // After graded(): the line scalelab grade gave for the question ("... is right; the simulation gives ...").
  QString verdict(const QString& question) const;
  bool busy() const { return checking(); }

  // Runs the lesson's experiment; experiment_done() when it ends, its plots then on the Plots tab.
  void run_experiment();
  // The experiment's plots shown (PNG paths, in the experiment's order); empty before a run drew them.
  QStringList plots_shown() const { return plots_shown_; }

  bool has_challenge() const { return !challenge_ask_.isEmpty(); }
  // Grades topology_file (saved) against the lesson's challenge; challenge_graded() when it ends.
  void grade_challenge(const QString& topology_file);
  // After challenge_graded(): what scalelab grade said (a line per requirement, then PASS or FAIL).
  QString challenge_result() const;

signals:
  void graded(int right, int questions);
  void experiment_done(bool ok, int plots);
  void challenge_graded(bool pass);
  // Grade my topology was pressed: the window saves its document and calls grade_challenge with its path.
  void challenge_requested();

private:
  struct Question {
    QString ask;
    QStringList choices;
    QWidget* input = nullptr; // a QLineEdit, or a QComboBox for a choice
    QLabel* verdict = nullptr;
  };
  enum class Job { none, experiment, answers, challenge };
  void clear_questions();
  QString answer_of(const Question& q) const;
  void start(Job job, const QStringList& arguments, const QString& doing);
  void on_finished(int exit_code, QProcess::ExitStatus status);
  void show_answers(const QString& output);
  void show_challenge(const QString& output, bool pass);
  void show_plots();
  void render_plots();
  void resizeEvent(QResizeEvent* event) override;
  QString runs_directory() const; // the experiment's runs, shared by Run and Check

  QString directory_, title_, experiment_file_, topology_file_, challenge_ask_;
  QString job_runs_; // the runs directory of the job going on or last run
  QStringList plot_names_, plots_shown_;
  QTabWidget* tabs_ = nullptr;
  QTextBrowser* readme_ = nullptr;
  QTextBrowser* plots_ = nullptr;
  QVBoxLayout* questions_layout_ = nullptr;
  QPushButton* run_ = nullptr;
  QPushButton* check_ = nullptr;
  QPushButton* challenge_ = nullptr;
  QLabel* status_ = nullptr;
  QLabel* challenge_result_ = nullptr;
  std::vector<QString> order_;
  std::map<QString, Question> questions_;
  QProcess process_;
  Job job_ = Job::none;
  std::unique_ptr<QTemporaryDir> work_; // one per opened lesson
};

} // namespace scalelab::gui
