#include "lesson_panel.hpp"

#include "run_process.hpp"

#include "scalelab/models/lesson.hpp"

#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace scalelab::gui
{

LessonPanel::LessonPanel(QWidget* parent) : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* split = new QSplitter(Qt::Vertical, this);
  tabs_ = new QTabWidget(split);
  readme_ = new QTextBrowser(tabs_);
  readme_->setOpenExternalLinks(true);
  tabs_->addTab(readme_, "README");
  plots_ = new QTextBrowser(tabs_);
  plots_->setOpenExternalLinks(true);
  tabs_->addTab(plots_, "Plots");
  auto* scroll = new QScrollArea(split); // the questions and buttons keep their size and scroll
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* answers = new QWidget(scroll);
  scroll->setWidget(answers);
  auto* answers_layout = new QVBoxLayout(answers);
  answers_layout->setContentsMargins(0, 0, 0, 0);
  run_ = new QPushButton("Run the experiment", answers);
  run_->setToolTip("scalelab sweep on the lesson's experiment; its plots on the Plots tab");
  answers_layout->addWidget(run_);
  auto* heading = new QLabel("<b>Questions</b> (the simulator computes the answers)", answers);
  answers_layout->addWidget(heading);
  questions_layout_ = new QVBoxLayout();
  answers_layout->addLayout(questions_layout_);
  check_ = new QPushButton("Check my answers", answers);
  answers_layout->addWidget(check_);
  status_ = new QLabel(answers);
  status_->setWordWrap(true);
  answers_layout->addWidget(status_);
  challenge_ = new QPushButton("Grade my topology", answers);
  challenge_->setToolTip("saves the file in the editor and runs it for the lesson's challenge (scalelab grade)");
  answers_layout->addWidget(challenge_);
  challenge_result_ = new QLabel(answers);
  challenge_result_->setWordWrap(true);
  challenge_result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  answers_layout->addWidget(challenge_result_);
  answers_layout->addStretch();
  split->setSizes({500, 300});
  layout->addWidget(split);
  connect(run_, &QPushButton::clicked, this, &LessonPanel::run_experiment);
  connect(check_, &QPushButton::clicked, this, &LessonPanel::check);
  connect(challenge_, &QPushButton::clicked, this, &LessonPanel::challenge_requested);
  connect(&process_, qOverload<int, QProcess::ExitStatus>(&QProcess::finished), this, &LessonPanel::on_finished);
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart)
      return;                             // the others end in finished()
    on_finished(2, QProcess::NormalExit); // the job failed: its signal says so
    status_->setText("cannot start " + RunProcess::find_scalelab() + ": " + process_.errorString());
  });
}

bool LessonPanel::open(const QString& directory, QString& error)
{
  const auto loaded = models::load_lesson_file(directory.toStdString());
  if (!loaded.spec) {
    error = loaded.errors.empty() ? "cannot read the lesson" : QString::fromStdString(loaded.errors.front().format());
    return false;
  }
  directory_ = directory;
  title_ = QString::fromStdString(loaded.spec->title);
  experiment_file_ = QString::fromStdString(loaded.spec->experiment.file);
  topology_file_ = QString::fromStdString(loaded.spec->experiment.topology_file);
  plot_names_.clear();
  for (const auto& plot : loaded.spec->experiment.plots)
    plot_names_ << QString::fromStdString(plot.name);
  challenge_ask_ = loaded.spec->challenge ? QString::fromStdString(loaded.spec->challenge->ask) : QString();
  if (checking()) { // the job of the lesson before ends here: its directory goes with it
    job_ = Job::none;
    process_.kill();
    process_.waitForFinished();
  }
  work_ = std::make_unique<QTemporaryDir>(); // a new lesson's runs start afresh
  plots_shown_.clear();
  plots_->setHtml("<p>Run the experiment (or check your answers, which runs it too) to see its plots here.</p>");
  tabs_->setCurrentWidget(readme_);
  const QString readme = QDir(directory).filePath("README.md");
  if (QFile::exists(readme))
    readme_->setSource(QUrl::fromLocalFile(readme), QTextDocument::MarkdownResource); // its pictures too
  else
    readme_->setMarkdown("# " + title_);
  clear_questions();
  for (const auto& q : loaded.spec->questions) {
    Question question;
    question.ask = QString::fromStdString(q.ask);
    for (const auto& [choice, metric] : q.choices)
      question.choices << QString::fromStdString(choice);
    auto* ask = new QLabel(question.ask, this);
    ask->setWordWrap(true);
    questions_layout_->addWidget(ask);
    if (question.choices.isEmpty()) {
      auto* field = new QLineEdit(this);
      field->setPlaceholderText("a number");
      question.input = field;
    } else {
      auto* box = new QComboBox(this);
      box->addItem("");
      box->addItems(question.choices);
      question.input = box;
    }
    questions_layout_->addWidget(question.input);
    question.verdict = new QLabel(this);
    question.verdict->setWordWrap(true);
    questions_layout_->addWidget(question.verdict);
    const QString name = QString::fromStdString(q.name);
    order_.push_back(name);
    questions_[name] = question;
  }
  status_->clear();
  challenge_result_->setText(has_challenge() ? "<b>Challenge:</b> " + challenge_ask_.toHtmlEscaped() : QString());
  challenge_result_->setStyleSheet({});
  challenge_->setVisible(has_challenge());
  check_->setEnabled(!order_.empty());
  return true;
}

void LessonPanel::clear_questions()
{
  while (QLayoutItem* item = questions_layout_->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  order_.clear();
  questions_.clear();
}

QStringList LessonPanel::questions() const
{
  return QStringList(order_.begin(), order_.end());
}

QString LessonPanel::ask(const QString& question) const
{
  const auto it = questions_.find(question);
  return it == questions_.end() ? QString() : it->second.ask;
}

QStringList LessonPanel::choices(const QString& question) const
{
  const auto it = questions_.find(question);
  return it == questions_.end() ? QStringList() : it->second.choices;
}

void LessonPanel::set_answer(const QString& question, const QString& answer)
{
  const auto it = questions_.find(question);
  if (it == questions_.end())
    return;
  if (auto* field = qobject_cast<QLineEdit*>(it->second.input))
    field->setText(answer);
  else if (auto* box = qobject_cast<QComboBox*>(it->second.input))
    box->setCurrentText(answer);
}

QString LessonPanel::answer_of(const Question& q) const
{
  if (const auto* field = qobject_cast<const QLineEdit*>(q.input))
    return field->text().trimmed();
  if (const auto* box = qobject_cast<const QComboBox*>(q.input))
    return box->currentText();
  return {};
}

// Named by the experiment's and its topology's bytes: a sweep refuses a directory whose runs came from another
// topology, and the topology is the file the editor saves.
QString LessonPanel::runs_directory() const
{
  QCryptographicHash hash(QCryptographicHash::Sha1);
  for (const QString& file : {experiment_file_, topology_file_}) {
    QFile f(file);
    if (f.open(QIODevice::ReadOnly))
      hash.addData(f.readAll());
    hash.addData(QByteArray(1, '\0'));
  }
  return QDir(work_->path()).filePath("experiment-" + QString::fromLatin1(hash.result().toHex().left(12)));
}

void LessonPanel::start(Job job, const QStringList& arguments, const QString& doing)
{
  job_ = job;
  status_->setText(doing);
  for (QPushButton* b : {run_, check_, challenge_})
    b->setEnabled(false);
  process_.setProcessChannelMode(QProcess::MergedChannels);
  process_.start(RunProcess::find_scalelab(), arguments);
}

void LessonPanel::run_experiment()
{
  if (directory_.isEmpty() || checking())
    return;
  job_runs_ = runs_directory();
  start(Job::experiment, {"sweep", experiment_file_, "--quiet", "--out", job_runs_},
        "running the lesson's experiment …");
}

void LessonPanel::grade_challenge(const QString& topology_file)
{
  if (directory_.isEmpty() || checking() || !has_challenge())
    return;
  challenge_result_->setStyleSheet({});
  challenge_result_->setText("running your topology for the challenge …");
  start(Job::challenge,
        {"grade", directory_, topology_file, "--quiet", "--out", QDir(work_->path()).filePath("challenge")}, QString());
}

void LessonPanel::check()
{
  if (directory_.isEmpty() || checking())
    return;
  const QString answers = QDir(work_->path()).filePath("answers.yaml");
  QFile f(answers);
  if (!f.open(QIODevice::WriteOnly)) {
    status_->setText("cannot write " + answers);
    return;
  }
  // A number with its unit or a choice as typed; anything else quoted, so that it stays one YAML scalar.
  const QRegularExpression plain("^[A-Za-z0-9_./%+-]+$");
  for (const QString& name : order_)
    if (const QString a = answer_of(questions_.at(name)); !a.isEmpty())
      f.write(
          (name + ": " + (plain.match(a).hasMatch() ? a : "\"" + QString(a).replace('"', "'") + "\"") + "\n").toUtf8());
  f.close();
  for (auto& [name, q] : questions_)
    q.verdict->clear();
  job_runs_ = runs_directory();
  start(Job::answers, {"grade", directory_, answers, "--quiet", "--out", job_runs_},
        "running the lesson's experiment …");
}

QString LessonPanel::verdict(const QString& question) const
{
  const auto it = questions_.find(question);
  return it == questions_.end() ? QString() : it->second.verdict->text();
}

void LessonPanel::on_finished(int exit_code, QProcess::ExitStatus status)
{
  const Job job = std::exchange(job_, Job::none);
  for (QPushButton* b : {run_, challenge_})
    b->setEnabled(true);
  check_->setEnabled(!order_.empty());
  const QString output = QString::fromUtf8(process_.readAll());
  // scalelab grade exits 1 for a wrong answer or an unmet requirement: only a crash or 2 (bad input) failed.
  const bool ran = status == QProcess::NormalExit && exit_code != 2;
  if (job == Job::answers || job == Job::experiment)
    show_plots(); // both ran the experiment, and its collect drew the plots
  switch (job) {
  case Job::experiment:
    status_->setText(ran && exit_code == 0
                         ? QString("the experiment ran: %1 plots on the Plots tab").arg(plots_shown_.size())
                         : output.trimmed());
    if (!plots_shown_.isEmpty())
      tabs_->setCurrentWidget(plots_);
    emit experiment_done(ran && exit_code == 0, static_cast<int>(plots_shown_.size()));
    break;
  case Job::answers:
    show_answers(output);
    break;
  case Job::challenge:
    status_->clear();
    show_challenge(output, ran && exit_code == 0);
    break;
  case Job::none:
    break;
  }
}

void LessonPanel::show_answers(const QString& output)
{
  int right = 0;
  QStringList other;
  for (const QString& line : output.split('\n', Qt::SkipEmptyParts)) {
    const int colon = line.indexOf(':');
    const auto it = colon > 0 ? questions_.find(line.left(colon)) : questions_.end();
    if (it == questions_.end()) {
      other << line;
      continue;
    }
    const bool ok = line.contains(" is right");
    right += ok ? 1 : 0;
    it->second.verdict->setText(line.mid(colon + 2));
    it->second.verdict->setStyleSheet(ok ? "color: #1a7f37" : "color: #b42318");
  }
  status_->setText(other.join("\n"));
  emit graded(right, static_cast<int>(order_.size()));
}

void LessonPanel::show_challenge(const QString& output, bool pass)
{
  challenge_result_->setText(output.trimmed());
  challenge_result_->setStyleSheet(pass ? "color: #1a7f37" : "color: #b42318");
  emit challenge_graded(pass);
}

QString LessonPanel::challenge_result() const
{
  return challenge_result_->text();
}

void LessonPanel::show_plots()
{
  plots_shown_.clear();
  const QDir plots(QDir(job_runs_).filePath("plots"));
  for (const QString& name : plot_names_)
    if (const QString png = plots.filePath(name + ".png"); QFile::exists(png))
      plots_shown_ << png; // a missing one: gnuplot missing or no data, which the output said
  render_plots();
}

// At the tab's width, so that a wider panel shows them larger; a click opens one at its own size.
void LessonPanel::render_plots()
{
  if (plots_shown_.isEmpty()) {
    plots_->setHtml("<p>The experiment drew no plot (is gnuplot installed?).</p>");
    return;
  }
  const int width = std::max(200, plots_->viewport()->width() - 24);
  QString html;
  for (const QString& png : plots_shown_) {
    const QString url = QUrl::fromLocalFile(png).toString();
    html += "<p><a href=\"" + url + "\"><img src=\"" + url + "\" width=\"" + QString::number(width) + "\"></a></p>";
  }
  plots_->setHtml(html);
}

void LessonPanel::resizeEvent(QResizeEvent* event)
{
  QWidget::resizeEvent(event);
  if (!plots_shown_.isEmpty())
    render_plots();
}

} // namespace scalelab::gui
