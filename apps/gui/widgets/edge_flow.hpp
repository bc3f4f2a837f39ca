#pragma once
// What goes along the diagram's edges during and after a run, drawn by one item for all edges (thousands of
// separate dot items would cost a frame each): the exact requests per second written at each edge's middle,
// and dots moving along it, more of them on a busier edge, so that the animation shows where the traffic
// goes while the figures say how much. A dot takes the colour of the utilisation of the service it goes to.
#include <QColor>
#include <QGraphicsItem>
#include <QPainterPath>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace scalelab::gui
{

class EdgeFlow : public QGraphicsItem
{
public:
  // An edge of the diagram, from service `from` to service `to` (node ids).
  void add_edge(const std::string& from, const std::string& to, const QPainterPath& path, const QColor& colour);
  // The path of the index-th edge added, redrawn (a node dragged on the canvas).
  void set_path(std::size_t index, const QPainterPath& path);
  // Requests per second by (from, to); an edge not in the map carried none. moving: dots flow (during a run).
  void set_rates(const std::map<std::pair<std::string, std::string>, double>& per_second, bool moving);
  void clear_rates();
  // The colour of the dots going into each node (node id; the target's utilisation): an edge whose target is not
  // in the map draws its dots in the edge's own colour.
  void set_dot_colours(const std::map<std::string, QColor>& by_target);
  QColor dot_colour(const std::string& from, const std::string& to) const; // for tests
  // Moves the dots on by `fraction` of an edge's length.
  void advance_dots(double fraction);
  bool moving() const { return moving_; }
  // The text written on the edge from `from` to `to` (empty: none): for tests.
  QString counter(const std::string& from, const std::string& to) const;
  // How many dots the edge shows: for tests.
  int dots(const std::string& from, const std::string& to) const;

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
  struct Edge {
    std::string from, to;
    QPainterPath path;
    QColor colour;
    QColor dot_colour; // invalid: the edge's colour
    double per_second = 0;
    int dots = 0;
  };
  const Edge* find(const std::string& from, const std::string& to) const;
  static QColor dots_colour(const Edge& e); // the target's colour, else the edge's own, lighter

  std::vector<Edge> edges_;
  QRectF bounds_;
  double phase_ = 0; // 0..1 along every edge
  bool moving_ = false;
};

} // namespace scalelab::gui
