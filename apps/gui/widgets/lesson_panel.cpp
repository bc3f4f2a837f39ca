#include "lesson_panel.hpp"

#include "run_process.hpp"

#include "scalelab/models/lesson.hpp"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace scalelab::gui
{

LessonPanel::LessonPanel(QWidget* parent) : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* split = new QSplitter(Qt::Vertical, this);
  readme_ = new QTextBrowser(split);
  readme_->setOpenExternalLinks(true);
  auto* answers = new QWidget(split);
  auto* answers_layout = new QVBoxLayout(answers);
  answers_layout->setContentsMargins(0, 0, 0, 0);
  auto* heading = new QLabel("<b>Questions</b> (the simulator computes the answers)", answers);
  answers_layout->addWidget(heading);
  questions_layout_ = new QVBoxLayout();
  answers_layout->addLayout(questions_layout_);
  check_ = new QPushButton("Check my answers", answers);
  answers_layout->addWidget(check_);
  status_ = new QLabel(answers);
  status_->setWordWrap(true);
  answers_layout->addWidget(status_);
  answers_layout->addStretch();
  split->setSizes({500, 300});
  layout->addWidget(split);
  connect(check_, &QPushButton::clicked, this, &LessonPanel::check);
  connect(&process_, qOverload<int, QProcess::ExitStatus>(&QProcess::finished), this, &LessonPanel::on_finished);
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

void LessonPanel::check()
{
  if (directory_.isEmpty() || checking())
    return;
  work_ = std::make_unique<QTemporaryDir>();
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
  status_->setText("running the lesson's experiment …");
  check_->setEnabled(false);
  process_.setProcessChannelMode(QProcess::MergedChannels);
  process_.start(RunProcess::find_scalelab(),
                 {"grade", directory_, answers, "--quiet", "--out", QDir(work_->path()).filePath("out")});
}

QString LessonPanel::verdict(const QString& question) const
{
  const auto it = questions_.find(question);
  return it == questions_.end() ? QString() : it->second.verdict->text();
}

void LessonPanel::on_finished()
{
  check_->setEnabled(true);
  int right = 0;
  QStringList other;
  for (const QString& line : QString::fromUtf8(process_.readAll()).split('\n', Qt::SkipEmptyParts)) {
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

} // namespace scalelab::gui
