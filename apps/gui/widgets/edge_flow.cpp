#include "edge_flow.hpp"

#include <QFont>
#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace scalelab::gui
{

namespace
{
constexpr int kMostDots = 12; // on the busiest edge; the others in proportion, at least one

QString per_second_text(double r)
{
  return r >= 100 ? QString("%1/s").arg(std::llround(r)) : QString("%1/s").arg(r, 0, 'g', 3);
}
} // namespace

void EdgeFlow::add_edge(const std::string& from, const std::string& to, const QPainterPath& path, const QColor& colour)
{
  prepareGeometryChange();
  edges_.push_back({from, to, path, colour, QColor(), 0, 0});
  bounds_ = bounds_.united(path.boundingRect().adjusted(-60, -30, 60, 30)); // room for a counter
}

void EdgeFlow::set_path(std::size_t index, const QPainterPath& path)
{
  if (index >= edges_.size())
    return;
  prepareGeometryChange();
  edges_[index].path = path;
  bounds_ = bounds_.united(path.boundingRect().adjusted(-60, -30, 60, 30));
}

void EdgeFlow::set_rates(const std::map<std::pair<std::string, std::string>, double>& per_second, bool moving)
{
  double busiest = 0;
  for (auto& e : edges_) {
    const auto it = per_second.find({e.from, e.to});
    e.per_second = it == per_second.end() ? 0 : it->second;
    busiest = std::max(busiest, e.per_second);
  }
  for (auto& e : edges_)
    e.dots = e.per_second > 0 ? std::max(1, static_cast<int>(std::lround(kMostDots * e.per_second / busiest))) : 0;
  moving_ = moving;
  update();
}

void EdgeFlow::clear_rates()
{
  set_rates({}, false);
  set_dot_colours({});
}

void EdgeFlow::set_dot_colours(const std::map<std::string, QColor>& by_target)
{
  for (auto& e : edges_) {
    const auto it = by_target.find(e.to);
    e.dot_colour = it == by_target.end() ? QColor() : it->second;
  }
  update();
}

QColor EdgeFlow::dots_colour(const Edge& e)
{
  return e.dot_colour.isValid() ? e.dot_colour : e.colour.lighter(115);
}

QColor EdgeFlow::dot_colour(const std::string& from, const std::string& to) const
{
  const Edge* e = find(from, to);
  return e ? dots_colour(*e) : QColor();
}

void EdgeFlow::advance_dots(double fraction)
{
  if (!moving_)
    return;
  phase_ = std::fmod(phase_ + fraction, 1.0);
  update();
}

const EdgeFlow::Edge* EdgeFlow::find(const std::string& from, const std::string& to) const
{
  for (const auto& e : edges_)
    if (e.from == from && e.to == to)
      return &e;
  return nullptr;
}

QString EdgeFlow::counter(const std::string& from, const std::string& to) const
{
  const Edge* e = find(from, to);
  return e && e->per_second > 0 ? per_second_text(e->per_second) : QString();
}

int EdgeFlow::dots(const std::string& from, const std::string& to) const
{
  const Edge* e = find(from, to);
  return e ? e->dots : 0;
}

QRectF EdgeFlow::boundingRect() const
{
  return bounds_;
}

void EdgeFlow::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
  painter->setRenderHint(QPainter::Antialiasing);
  QFont font = painter->font();
  font.setPixelSize(11);
  font.setBold(true);
  painter->setFont(font);
  const QFontMetricsF metrics(font);
  for (const auto& e : edges_) {
    if (e.per_second <= 0)
      continue;
    painter->setPen(Qt::NoPen);
    painter->setBrush(dots_colour(e));
    for (int i = 0; i < e.dots; ++i) {
      const double at = std::fmod(phase_ + static_cast<double>(i) / e.dots, 1.0);
      painter->drawEllipse(e.path.pointAtPercent(at), 3.5, 3.5);
    }
    // The counter under the edge's middle, on a white ground.
    const QString text = per_second_text(e.per_second);
    const QPointF mid = e.path.pointAtPercent(0.5);
    const QRectF box(mid.x() - metrics.horizontalAdvance(text) / 2 - 3, mid.y() + 4,
                     metrics.horizontalAdvance(text) + 6, metrics.height() + 2);
    painter->setBrush(QColor(255, 255, 255, 225));
    painter->drawRoundedRect(box, 3, 3);
    painter->setPen(e.colour.darker(140));
    painter->drawText(box, Qt::AlignCenter, text);
  }
}

} // namespace scalelab::gui
