#pragma once
// A lesson of the course beside the editor: its README (objectives, the idea, what to look at), its questions
// with a field each, and Check, which runs `scalelab grade LESSON ANSWERS` (the lesson's experiment, resumed
// when run before) and shows at each question whether the answer is right, with the simulated value.
#include <QProcess>
#include <QTemporaryDir>
#include <QWidget>

#include <map>
#include <memory>
#include <string>

QT_BEGIN_NAMESPACE
class QLabel;
class QPushButton;
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

signals:
  void graded(int right, int questions);

private:
  struct Question {
    QString ask;
    QStringList choices;
    QWidget* input = nullptr; // a QLineEdit, or a QComboBox for a choice
    QLabel* verdict = nullptr;
  };
  void clear_questions();
  QString answer_of(const Question& q) const;
  void on_finished();

  QString directory_, title_;
  QTextBrowser* readme_ = nullptr;
  QVBoxLayout* questions_layout_ = nullptr;
  QPushButton* check_ = nullptr;
  QLabel* status_ = nullptr;
  std::vector<QString> order_;
  std::map<QString, Question> questions_;
  QProcess process_;
  std::unique_ptr<QTemporaryDir> work_;
};

} // namespace scalelab::gui
