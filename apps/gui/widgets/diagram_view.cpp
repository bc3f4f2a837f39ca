#include "diagram_view.hpp"

#include "edge_flow.hpp"
#include "minimap.hpp"

#include <QContextMenuEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QMenu>
#include <QMimeData>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QResizeEvent>
#include <QStyleOptionGraphicsItem>
#include <QTimer>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <set>

namespace scalelab::gui
{

namespace
{

struct KindStyle {
  QColor colour;
  const char* glyph; // a short mark drawn in the node's badge
  const char* title;
};

// The look of each kind; a kind not listed yet is drawn grey with its name.
KindStyle kind_style(const std::string& kind)
{
  static const std::map<std::string, KindStyle> styles = {
      {"users", {QColor(90, 90, 90), "U", "the workload"}},
      {"load_balancer", {QColor(52, 120, 200), "LB", "load balancer"}},
      {"api_server", {QColor(40, 150, 110), "API", "api server"}},
      {"database", {QColor(150, 90, 180), "DB", "database"}},
      {"replica", {QColor(170, 130, 195), "R", "replica"}},
      {"cache", {QColor(210, 120, 40), "C", "cache"}},
      {"queue", {QColor(190, 70, 110), "Q", "queue"}},
      {"worker", {QColor(100, 130, 60), "W", "worker pool"}},
      {"cdn", {QColor(30, 150, 170), "CDN", "cdn edge"}},
  };
  const auto it = styles.find(kind);
  if (it != styles.end())
    return it->second;
  return {QColor(120, 120, 120), "?", "service"};
}

// Green when idle, yellow near 70 %, red when saturated.
QColor utilisation_colour(double u)
{
  u = std::clamp(u, 0.0, 1.0);
  const QColor low(205, 240, 205), mid(255, 236, 160), high(250, 160, 150);
  auto mix = [](const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                            static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                            static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
  };
  return u < 0.7 ? mix(low, mid, u / 0.7) : mix(mid, high, (u - 0.7) / 0.3);
}

QString format_rate(double per_second)
{
  return per_second >= 100 ? QString::number(per_second, 'f', 0) : QString::number(per_second, 'g', 3);
}

QString format_ms(double seconds)
{
  const double ms = seconds * 1e3;
  return ms >= 100 ? QString::number(ms, 'f', 0) : QString::number(ms, 'f', ms >= 10 ? 1 : 2);
}

} // namespace

class NodeItem : public QGraphicsItem
{
public:
  explicit NodeItem(const GraphNode& node) : node_(node), style_(kind_style(node.kind))
  {
    setPos(node.x, node.y);
    setZValue(2);
    setAcceptHoverEvents(true);
    setToolTip(QString::fromStdString(node.id + " (" + node.kind + ")" +
                                      (node.hosts.empty() ? std::string() : "\nhosts: " + join(node.hosts))));
  }

  QRectF boundingRect() const override
  {
    const double w = TopologyGraph::kNodeWidth, h = TopologyGraph::kNodeHeight;
    const double port = DiagramView::kPortRadius + 2; // the port stands out of the box on the right
    return {-w / 2 - 2, -h / 2 - 2, w + 4 + port, h + 4};
  }

  const GraphNode& node() const { return node_; }
  void hoverEnterEvent(QGraphicsSceneHoverEvent*) override
  {
    hovered_ = true;
    update();
  }
  void hoverLeaveEvent(QGraphicsSceneHoverEvent*) override
  {
    hovered_ = false;
    update();
  }
  void set_selected(bool selected)
  {
    selected_ = selected;
    update();
  }

  void set_metrics(const std::optional<NodeMetrics>& m)
  {
    prepareGeometryChange();
    metrics_ = m;
    update();
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override
  {
    const double w = TopologyGraph::kNodeWidth, h = TopologyGraph::kNodeHeight;
    const QRectF box(-w / 2, -h / 2, w, h);
    const double header = TopologyGraph::kHeaderHeight;
    p->setRenderHint(QPainter::Antialiasing);
    QColor fill(250, 250, 250);
    if (metrics_ && metrics_->utilisation)
      fill = utilisation_colour(*metrics_->utilisation);
    p->setPen(QPen(style_.colour.darker(120), 2));
    p->setBrush(fill);
    p->drawRoundedRect(box, 8, 8);
    if (selected_) {
      p->setPen(QPen(QColor(30, 110, 230), 4));
      p->setBrush(Qt::NoBrush);
      p->drawRoundedRect(box.adjusted(-1, -1, 1, 1), 9, 9);
    }
    // The badge: the kind's colour and glyph.
    const QRectF badge(-w / 2 + 8, -h / 2 + 12, 36, 36);
    p->setPen(Qt::NoPen);
    p->setBrush(style_.colour);
    if (node_.kind == "database" || node_.kind == "replica")
      p->drawRoundedRect(badge, 18, 8);
    else if (node_.kind == "users")
      p->drawEllipse(badge);
    else
      p->drawRoundedRect(badge, 5, 5);
    p->setPen(Qt::white);
    QFont font = p->font();
    font.setPixelSize(std::string(style_.glyph).size() > 2 ? 11 : 14);
    font.setBold(true);
    p->setFont(font);
    p->drawText(badge, Qt::AlignCenter, style_.glyph);
    // Name, kind and detail.
    const QRectF text(-w / 2 + 50, -h / 2 + 5, w - 56, header - 10);
    font.setPixelSize(15);
    p->setFont(font);
    p->setPen(QColor(30, 30, 30));
    p->drawText(QRectF(text.left(), text.top(), text.width(), 20), Qt::AlignLeft | Qt::AlignVCenter,
                elided(p, QString::fromStdString(node_.label), text.width()));
    font.setBold(false);
    font.setPixelSize(11);
    p->setFont(font);
    p->setPen(QColor(90, 90, 90));
    p->drawText(QRectF(text.left(), text.top() + 20, text.width(), 15), Qt::AlignLeft | Qt::AlignVCenter,
                elided(p, kind_line(), text.width()));
    p->drawText(QRectF(text.left(), text.top() + 35, text.width(), 15), Qt::AlignLeft | Qt::AlignVCenter,
                elided(p, QString::fromStdString(node_.detail), text.width()));
    const QRectF lower(-w / 2 + 8, -h / 2 + header, w - 16, h - header);
    p->setPen(QPen(QColor(0, 0, 0, 60), 1));
    p->drawLine(QPointF(lower.left(), lower.top()), QPointF(lower.right(), lower.top()));
    if (metrics_)
      paint_metrics(p, lower);
    else if (node_.kind != "replica") {
      font.setPixelSize(11);
      p->setFont(font);
      p->setPen(QColor(150, 150, 150));
      p->drawText(lower, Qt::AlignCenter, "not run yet");
    }
    // The port to drag a connection from, on a node hovered or selected.
    if ((hovered_ || selected_) && node_.kind != "replica") {
      p->setPen(QPen(QColor(30, 110, 230), 2));
      p->setBrush(Qt::white);
      p->drawEllipse(QPointF(w / 2, 0), DiagramView::kPortRadius, DiagramView::kPortRadius);
    }
  }

private:
  static std::string join(const std::vector<std::string>& v)
  {
    std::string s;
    for (const auto& x : v)
      s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  QString kind_line() const
  {
    QString line = style_.title;
    if (node_.zones.size() > 1) {
      QStringList zones;
      for (const auto& z : node_.zones)
        zones << QString::fromStdString(z);
      line += " in " + zones.join(" + ");
    }
    return line;
  }

  static QString elided(QPainter* p, const QString& s, double width)
  {
    return p->fontMetrics().elidedText(s, Qt::ElideRight, static_cast<int>(width));
  }

  void paint_metrics(QPainter* p, const QRectF& r)
  {
    const auto& m = *metrics_;
    QFont font = p->font();
    font.setPixelSize(12);
    font.setBold(true);
    p->setFont(font);
    p->setPen(QColor(20, 20, 20));
    QString first = format_rate(m.throughput) + " req/s";
    if (m.utilisation)
      first += QString("   %1 % busy").arg(*m.utilisation * 100, 0, 'f', 0);
    p->drawText(QRectF(r.left(), r.top() + 4, r.width(), 15), Qt::AlignLeft | Qt::AlignVCenter, first);
    font.setBold(false);
    font.setPixelSize(11);
    p->setFont(font);
    QString second = (m.latency_p99 ? "p99 " + format_ms(*m.latency_p99) + " ms  mean " : "mean ") +
                     format_ms(m.latency_mean) + " ms";
    p->drawText(QRectF(r.left(), r.top() + 19, r.width(), 14), Qt::AlignLeft | Qt::AlignVCenter, second);
    // A queue for what waits for a worker or a connection: the users and a balancer have none.
    QString third = node_.capacity > 0 ? "queue " + QString::number(m.queue, 'f', m.queue >= 10 ? 0 : 1) : "";
    if (m.errors_per_second > 0) {
      third += QString(third.isEmpty() ? "" : "   ") + "errors " + format_rate(m.errors_per_second) + "/s";
      p->setPen(QColor(180, 20, 20));
    }
    p->drawText(QRectF(r.left(), r.top() + 33, r.width(), 14), Qt::AlignLeft | Qt::AlignVCenter, third);
  }

  GraphNode node_;
  KindStyle style_;
  bool selected_ = false, hovered_ = false;
  std::optional<NodeMetrics> metrics_;
};

namespace
{

QColor edge_colour(GraphEdge::Type type)
{
  switch (type) {
  case GraphEdge::Type::call:
    return QColor(70, 70, 70);
  case GraphEdge::Type::forward:
    return QColor(40, 150, 110);
  case GraphEdge::Type::backend:
    return QColor(52, 120, 200);
  case GraphEdge::Type::publish:
  case GraphEdge::Type::consume:
    return QColor(190, 70, 110);
  case GraphEdge::Type::replication:
    return QColor(150, 90, 180);
  case GraphEdge::Type::session:
    return QColor(210, 120, 40);
  }
  return Qt::black;
}

// The operations on lines of about 22 characters.
QString wrapped(const QStringList& ops)
{
  QString text, line;
  for (const auto& op : ops) {
    if (!line.isEmpty() && line.size() + op.size() > 22) {
      text += line + ",\n";
      line.clear();
    }
    line += (line.isEmpty() ? "" : ", ") + op;
  }
  return text + line;
}

QString edge_text(const GraphEdge& e)
{
  QStringList ops;
  for (const auto& op : e.operations)
    ops << QString::fromStdString(op);
  switch (e.type) {
  case GraphEdge::Type::backend:
    return "backends";
  case GraphEdge::Type::consume:
    return "consume";
  case GraphEdge::Type::replication:
    return "replication";
  case GraphEdge::Type::publish:
    return "publish\n" + wrapped(ops);
  default:
    return wrapped(ops);
  }
}

// The point where the segment from the centre of a node box towards `toward` leaves the box.
QPointF box_exit(QPointF centre, QPointF toward, double half_w, double half_h)
{
  const QPointF d = toward - centre;
  if (std::abs(d.x()) < 1e-9 && std::abs(d.y()) < 1e-9)
    return centre;
  const double tx = std::abs(d.x()) > 1e-9 ? half_w / std::abs(d.x()) : 1e300;
  const double ty = std::abs(d.y()) > 1e-9 ? half_h / std::abs(d.y()) : 1e300;
  return centre + d * std::min(tx, ty);
}

// The edge's curve between two node centres: right side to left side when the target stands to the right, else
// around, below; with its arrow head and the point its label sits on.
struct EdgeGeometry {
  QPainterPath path;
  QPolygonF head;
};

EdgeGeometry edge_geometry(QPointF a, QPointF b)
{
  const double hw = TopologyGraph::kNodeWidth / 2 + 3, hh = TopologyGraph::kNodeHeight / 2 + 3;
  QPointF start, end, c1, c2;
  if (b.x() - a.x() > TopologyGraph::kNodeWidth) { // forwards: right side to left side
    start = QPointF(a.x() + hw, a.y());
    end = QPointF(b.x() - hw, b.y());
    const double dx = (end.x() - start.x()) / 2;
    c1 = start + QPointF(dx, 0);
    c2 = end - QPointF(dx, 0);
  } else { // backwards or within a column: around, below
    start = box_exit(a, b, hw, hh);
    end = box_exit(b, a, hw, hh);
    const QPointF mid = (start + end) / 2 + QPointF(60, 0);
    c1 = mid;
    c2 = mid;
  }
  EdgeGeometry g;
  g.path.moveTo(start);
  g.path.cubicTo(c1, c2, end);
  // The arrow head along the curve's last tangent.
  const QPointF tip = end;
  const double angle = std::atan2(tip.y() - c2.y(), tip.x() - c2.x());
  g.head << tip << tip - QPointF(std::cos(angle - 0.4) * 11, std::sin(angle - 0.4) * 11)
         << tip - QPointF(std::cos(angle + 0.4) * 11, std::sin(angle + 0.4) * 11);
  return g;
}

} // namespace

// A frame's hosts as chips (name and cores; a switch marked so), all painted by one item: a thousand hosts cost
// one item in the scene, and zoomed out far the chips are plain boxes.
class ChipsItem : public QGraphicsItem
{
public:
  ChipsItem(const TopologyGraph& graph, const GraphFrame& frame) : graph_(graph), hosts_(frame.hosts)
  {
    setZValue(1.5);
    setFlag(QGraphicsItem::ItemUsesExtendedStyleOption); // paint() is told the part drawn: only its chips
    bounds_ = QRectF(frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
  }
  QRectF boundingRect() const override { return bounds_; }

  static QRectF chip_rect(const GraphHost& h)
  {
    return {h.x - TopologyGraph::kChipWidth / 2, h.y - TopologyGraph::kChipHeight / 2, TopologyGraph::kChipWidth,
            TopologyGraph::kChipHeight};
  }

  static void paint_chip(QPainter* p, const GraphHost& h, const QRectF& r, bool text)
  {
    p->setPen(QPen(h.is_switch ? QColor(90, 110, 140) : QColor(120, 130, 150), 1));
    p->setBrush(h.is_switch ? QColor(222, 230, 242) : QColor(255, 255, 255));
    if (!text) {
      p->drawRect(r);
      return;
    }
    p->drawRoundedRect(r, 4, 4);
    QFont font = p->font();
    font.setPixelSize(11);
    font.setBold(true);
    p->setFont(font);
    p->setPen(QColor(40, 45, 55));
    const QRectF inner = r.adjusted(5, 2, -4, -2);
    p->drawText(
        QRectF(inner.left(), inner.top(), inner.width(), 15), Qt::AlignLeft | Qt::AlignVCenter,
        p->fontMetrics().elidedText(QString::fromStdString(h.name), Qt::ElideRight, static_cast<int>(inner.width())));
    font.setBold(false);
    font.setPixelSize(10);
    p->setFont(font);
    p->setPen(QColor(100, 105, 115));
    p->drawText(QRectF(inner.left(), inner.top() + 15, inner.width(), 13), Qt::AlignLeft | Qt::AlignVCenter,
                h.is_switch ? QString("switch") : QString::number(h.cores) + (h.cores == 1 ? " core" : " cores"));
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem* option, QWidget*) override
  {
    // Text only where it can be read (11 pixels at 0.4 of their size); only the chips in the part drawn.
    const bool text = QStyleOptionGraphicsItem::levelOfDetailFromTransform(p->worldTransform()) >= 0.4;
    p->setRenderHint(QPainter::Antialiasing, text);
    for (const std::size_t i : hosts_) {
      const GraphHost& h = graph_.hosts()[i];
      const QRectF r = chip_rect(h);
      if (r.intersects(option->exposedRect))
        paint_chip(p, h, r, text);
    }
  }

private:
  const TopologyGraph& graph_; // the view's, which outlives its scene's items
  std::vector<std::size_t> hosts_;
  QRectF bounds_;
};

DiagramView::DiagramView(QWidget* parent) : QGraphicsView(parent)
{
  setScene(new QGraphicsScene(this));
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setBackgroundBrush(QColor(246, 247, 249));
  minimap_ = new Minimap(*this);
  animation_ = new QTimer(this);
  animation_->setInterval(40);
  connect(animation_, &QTimer::timeout, this, [this] {
    if (flow_)
      flow_->advance_dots(0.02); // an edge in two seconds
  });
}

void DiagramView::set_graph(const TopologyGraph& graph)
{
  graph_ = graph;
  metrics_.clear();
  animation_->stop();
  end_gesture();
  scene()->clear();
  node_items_.clear();
  edge_items_.clear();
  flow_ = nullptr;
  // The zones' frames and the hosts area, each with its chips (an empty data centre says what it is for).
  std::vector<const GraphFrame*> frames;
  for (const auto& f : graph_.frames())
    frames.push_back(&f);
  if (!graph_.hosts_area().hosts.empty())
    frames.push_back(&graph_.hosts_area());
  for (const GraphFrame* f : frames) {
    const bool zone = !f->zone.empty();
    auto* frame =
        scene()->addRect(QRectF(QPointF(f->left, f->top), QPointF(f->right, f->bottom)),
                         zone ? QPen(QColor(120, 130, 150), 1.5, Qt::DashLine) : QPen(QColor(200, 204, 212), 1),
                         QBrush(zone ? QColor(230, 235, 245) : QColor(240, 241, 244)));
    frame->setZValue(0);
    auto* label = scene()->addSimpleText(QString::fromStdString(f->title));
    QFont font = label->font();
    font.setPixelSize(13);
    font.setBold(zone);
    label->setFont(font);
    label->setBrush(QColor(80, 90, 110));
    label->setPos(f->left + 6, f->top - label->boundingRect().height() - 2);
    if (f->hosts.empty() && f->nodes.empty()) {
      auto* hint = scene()->addSimpleText("no hosts yet: drop a host here");
      font.setPixelSize(11);
      font.setBold(false);
      hint->setFont(font);
      hint->setBrush(QColor(130, 135, 150));
      hint->setPos(f->left + TopologyGraph::kFrameMargin, f->top + TopologyGraph::kFrameMargin + 10);
    }
    if (!f->hosts.empty())
      scene()->addItem(new ChipsItem(graph_, *f));
  }
  flow_ = new EdgeFlow();
  flow_->setZValue(4);
  for (const auto& n : graph_.nodes()) {
    auto* item = new NodeItem(n);
    item->set_selected((!selected_.empty() && n.id == selected_) || group_.count(n.id));
    scene()->addItem(item);
    node_items_.push_back(item);
  }
  edge_items_.assign(graph_.edges().size(), EdgeItems{});
  for (std::size_t i = 0; i < graph_.edges().size(); ++i) {
    const auto& e = graph_.edges()[i];
    add_edge_items(i);
    flow_->add_edge(graph_.nodes()[e.from].id, graph_.nodes()[e.to].id, edge_items_[i].line->path(),
                    edge_colour(e.type));
  }
  scene()->addItem(flow_);
  if (!graph_.nodes().empty()) {
    // The key to the colours, under the diagram.
    const QRectF drawn = scene()->itemsBoundingRect();
    auto* key = scene()->addSimpleText(
        "Fill: share of a service's workers or connections busy (green idle, yellow 70 %, red saturated). "
        "Counters: the last interval during a run, the measured window after it.");
    QFont font = key->font();
    font.setPixelSize(11);
    key->setFont(font);
    key->setBrush(QColor(100, 100, 100));
    key->setPos(drawn.left(), drawn.bottom() + 16);
  }
  scene()->setSceneRect(scene()->itemsBoundingRect().adjusted(-40, -40, 40, 40));
  if (auto_fit_) // an edit redraws the diagram without undoing the user's zoom
    fit();
  minimap_->refresh();
}

void DiagramView::select(const std::string& id)
{
  selected_ = id;
  for (auto* item : node_items_)
    item->set_selected((!id.empty() && item->node().id == id) || group_.count(item->node().id));
}

void DiagramView::add_edge_items(std::size_t i)
{
  const auto& e = graph_.edges()[i];
  const QColor colour = edge_colour(e.type);
  QPen pen(colour, 2);
  if (e.type == GraphEdge::Type::replication || e.type == GraphEdge::Type::publish ||
      e.type == GraphEdge::Type::consume)
    pen.setStyle(Qt::DashLine);
  EdgeItems& items = edge_items_[i];
  items.line = scene()->addPath(QPainterPath(), pen);
  items.line->setZValue(1);
  items.arrow = scene()->addPolygon(QPolygonF(), QPen(colour), QBrush(colour));
  items.arrow->setZValue(1);
  if (const QString text = edge_text(e); !text.isEmpty()) {
    items.label = scene()->addSimpleText(text);
    QFont font = items.label->font();
    font.setPixelSize(11);
    items.label->setFont(font);
    items.label->setBrush(colour.darker(130));
    items.label->setZValue(3);
    items.back = scene()->addRect(QRectF(), Qt::NoPen, QBrush(QColor(255, 255, 255, 215)));
    items.back->setZValue(2.5);
  }
  place_edge(i);
}

// The edge drawn between its nodes where they stand now.
void DiagramView::place_edge(std::size_t i)
{
  const auto& e = graph_.edges()[i];
  const auto g = edge_geometry(node_items_[e.from]->pos(), node_items_[e.to]->pos());
  EdgeItems& items = edge_items_[i];
  items.line->setPath(g.path);
  items.arrow->setPolygon(g.head);
  if (items.label) {
    const QPointF at = g.path.pointAtPercent(0.5);
    const QRectF r = items.label->boundingRect();
    items.label->setPos(at.x() - r.width() / 2, at.y() - r.height() - 2);
    items.back->setRect(items.label->sceneBoundingRect().adjusted(-2, 0, 2, 0));
  }
  if (flow_)
    flow_->set_path(i, g.path);
}

NodeItem* DiagramView::node_at(const QPoint& view_pos) const
{
  // The topmost node there: the item that paints the edges' dots lies over the whole diagram.
  for (QGraphicsItem* item : items(view_pos))
    if (auto* node = dynamic_cast<NodeItem*>(item))
      return node;
  return nullptr;
}

bool DiagramView::on_port(const NodeItem& node, const QPointF& scene_pos)
{
  const QPointF p = scene_pos - node.pos();
  return std::hypot(p.x() - TopologyGraph::kNodeWidth / 2, p.y()) <= kPortRadius + 5;
}

QPointF DiagramView::node_position(const std::string& id) const
{
  for (const auto* item : node_items_)
    if (item->node().id == id)
      return item->pos();
  return {};
}

std::optional<std::size_t> DiagramView::chip_at(const QPointF& scene_pos) const
{
  const auto& hosts = graph_.hosts();
  for (std::size_t i = 0; i < hosts.size(); ++i)
    if (ChipsItem::chip_rect(hosts[i]).contains(scene_pos))
      return i;
  return std::nullopt;
}

QPointF DiagramView::chip_position(const std::string& host) const
{
  for (const auto& h : graph_.hosts())
    if (h.name == host)
      return {h.x, h.y};
  return {};
}

void DiagramView::mousePressEvent(QMouseEvent* event)
{
  NodeItem* node = read_only_ ? nullptr : node_at(event->pos());
  if (!node && !read_only_ && event->button() == Qt::LeftButton) {
    // A host's chip is dragged to another zone's frame; a switch's stays (its zone is edited in the text).
    const auto chip = chip_at(mapToScene(event->pos()));
    if (chip && !graph_.hosts()[*chip].is_switch) {
      end_gesture();
      chip_ = chip;
      const GraphHost& h = graph_.hosts()[*chip];
      chip_ghost_ = scene()->addRect(ChipsItem::chip_rect(h), QPen(QColor(30, 110, 230), 2, Qt::DashLine),
                                     QBrush(QColor(255, 255, 255, 200)));
      chip_ghost_->setZValue(6);
      drag_start_ = mapToScene(event->pos());
      event->accept();
      return;
    }
  }
  if (!node) {
    QGraphicsView::mousePressEvent(event); // pan
    return;
  }
  const std::string id = node->node().id, before = selected_;
  const QPointF at = mapToScene(event->pos());
  const bool port = on_port(*node, at);
  emit node_clicked(QString::fromStdString(id)); // may redraw the diagram (the text typed is read first)
  node = nullptr;
  for (auto* item : node_items_)
    if (item->node().id == id)
      node = item;
  if (!node || event->button() != Qt::LeftButton) {
    QGraphicsView::mousePressEvent(event);
    return;
  }
  // Shift+click adds a node to the group that moves together (or takes it out); a click elsewhere ends the group.
  if (event->modifiers() & Qt::ShiftModifier) {
    if (group_.empty() && !before.empty() && before != id)
      group_.insert(before);
    if (!group_.insert(id).second && id != before)
      group_.erase(id);
  } else if (!group_.count(id)) {
    group_.clear();
  }
  select(selected_);
  // A node is dragged to move it (with its group), or from its port (the circle on its right side) to connect it
  // to another.
  gesture_node_ = id;
  if (port && group_.empty()) {
    connecting_ = scene()->addLine(QLineF(node->pos() + QPointF(TopologyGraph::kNodeWidth / 2, 0), at),
                                   QPen(QColor(30, 110, 230), 2, Qt::DashLine));
    connecting_->setZValue(5);
  } else {
    dragging_ = node;
    drag_offset_ = at - node->pos();
    drag_start_ = node->pos();
    moving_.clear();
    for (auto* item : node_items_)
      if (item == node || (group_.count(id) && group_.count(item->node().id)))
        moving_.emplace_back(item, item->pos());
  }
  event->accept();
}

void DiagramView::mouseMoveEvent(QMouseEvent* event)
{
  const QPointF at = mapToScene(event->pos());
  if (chip_ghost_) {
    chip_ghost_->setPos(at - drag_start_);
    event->accept();
    return;
  }
  if (dragging_) {
    const QPointF by = at - drag_offset_ - drag_start_;
    std::set<std::size_t> moved;
    for (const auto& [item, start] : moving_) {
      item->setPos(start + by);
      if (const auto index = graph_.index_of(item->node().id))
        moved.insert(*index);
    }
    for (std::size_t i = 0; i < graph_.edges().size(); ++i)
      if (moved.count(graph_.edges()[i].from) || moved.count(graph_.edges()[i].to))
        place_edge(i);
    event->accept();
    return;
  }
  if (connecting_) {
    connecting_->setLine(QLineF(connecting_->line().p1(), at));
    event->accept();
    return;
  }
  QGraphicsView::mouseMoveEvent(event);
}

void DiagramView::mouseReleaseEvent(QMouseEvent* event)
{
  if (chip_ghost_) {
    const GraphHost host = graph_.hosts()[*chip_];
    const QPointF at = mapToScene(event->pos());
    end_gesture();
    // Let go in another zone's frame, or in the hosts area (no zone): the host's zone is rewritten.
    if (const GraphFrame* frame = graph_.frame_at(at.x(), at.y()); frame && frame->zone != host.zone)
      emit host_moved(QString::fromStdString(host.entry), QString::fromStdString(frame->zone));
    event->accept();
    return;
  }
  if (!dragging_ && !connecting_) {
    QGraphicsView::mouseReleaseEvent(event);
    return;
  }
  const QString from = QString::fromStdString(gesture_node_);
  if (dragging_) {
    const bool moved = QLineF(drag_start_, dragging_->pos()).length() >= 3;
    QStringList ids;
    QList<QPointF> centres;
    for (const auto& [item, start] : moving_) {
      ids << QString::fromStdString(item->node().id);
      centres << item->pos();
    }
    end_gesture();
    if (moved) // the document redraws the diagram with the nodes where they were let go
      emit nodes_moved(ids, centres);
  } else {
    delete connecting_;
    connecting_ = nullptr;
    NodeItem* target = node_at(event->pos());
    const auto chip = target ? std::nullopt : chip_at(mapToScene(event->pos()));
    end_gesture();
    if (target && target->node().id != from.toStdString())
      emit connect_requested(from, QString::fromStdString(target->node().id));
    else if (chip) // a database's replica on that host
      emit replica_requested(from, QString::fromStdString(graph_.hosts()[*chip].name));
  }
  event->accept();
}

void DiagramView::end_gesture()
{
  delete connecting_;
  connecting_ = nullptr;
  delete chip_ghost_;
  chip_ghost_ = nullptr;
  chip_.reset();
  dragging_ = nullptr;
  moving_.clear();
  gesture_node_.clear();
}

// The palette's kinds are dropped on the canvas: the scene point they land on.
void DiagramView::dragEnterEvent(QDragEnterEvent* event)
{
  if (event->mimeData()->hasFormat(kKindMime))
    event->acceptProposedAction();
}

void DiagramView::dragMoveEvent(QDragMoveEvent* event)
{
  if (event->mimeData()->hasFormat(kKindMime))
    event->acceptProposedAction();
}

void DiagramView::dropEvent(QDropEvent* event)
{
  if (!event->mimeData()->hasFormat(kKindMime))
    return;
  const QPointF at = mapToScene(event->position().toPoint());
  emit kind_dropped(QString::fromUtf8(event->mimeData()->data(kKindMime)), at.x(), at.y());
  event->acceptProposedAction();
}

void DiagramView::contextMenuEvent(QContextMenuEvent* event)
{
  auto* node = read_only_ ? nullptr : node_at(event->pos());
  if (!node || !breakable(node->node()))
    return;
  QMenu menu(this);
  const QString id = QString::fromStdString(node->node().id);
  for (const BreakKind kind : {BreakKind::crash, BreakKind::crash_for, BreakKind::slow_for}) {
    const QString label = QString::fromStdString(break_label(node->node(), kind));
    menu.addAction(label.left(1).toUpper() + label.mid(1), this, [this, id, kind] { emit break_requested(id, kind); });
  }
  menu.exec(event->globalPos());
}

void DiagramView::set_read_only(bool on)
{
  read_only_ = on;
  setAcceptDrops(!on);
}

void DiagramView::set_metrics(const std::map<std::string, NodeMetrics>& metrics)
{
  metrics_ = metrics;
  std::map<std::string, QColor> dot_colours; // the dots going into a node take its utilisation's colour
  for (std::size_t i = 0; i < node_items_.size(); ++i) {
    const auto it = metrics.find(graph_.nodes()[i].id);
    node_items_[i]->set_metrics(it == metrics.end() ? std::nullopt : std::optional<NodeMetrics>(it->second));
    if (it != metrics.end() && it->second.utilisation)
      dot_colours[it->first] = utilisation_colour(*it->second.utilisation).darker(150);
  }
  if (flow_)
    flow_->set_dot_colours(dot_colours);
}

void DiagramView::clear_metrics()
{
  metrics_.clear();
  for (auto* item : node_items_)
    item->set_metrics(std::nullopt);
  if (flow_)
    flow_->clear_rates();
  animation_->stop();
}

bool DiagramView::flowing() const
{
  return animation_->isActive();
}

void DiagramView::set_flowing(bool on)
{
  if (on && flow_ && flow_->moving())
    animation_->start();
  else
    animation_->stop();
}

void DiagramView::set_edge_rates(const std::map<std::pair<std::string, std::string>, double>& per_second, bool moving)
{
  if (!flow_)
    return;
  flow_->set_rates(per_second, moving);
  if (moving && !animation_->isActive())
    animation_->start();
  else if (!moving)
    animation_->stop();
}

void DiagramView::fit()
{
  auto_fit_ = true;
  fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
  // Small topologies at most 140 %.
  if (transform().m11() > 1.4) {
    resetTransform();
    scale(1.4, 1.4);
  }
  if (minimap_)
    minimap_->refresh();
}

void DiagramView::resizeEvent(QResizeEvent* event)
{
  QGraphicsView::resizeEvent(event);
  if (auto_fit_)
    fit();
  minimap_->refresh();
}

void DiagramView::wheelEvent(QWheelEvent* event)
{
  auto_fit_ = false;
  const double factor = std::pow(1.0015, event->angleDelta().y());
  scale(factor, factor);
  minimap_->refresh();
  event->accept();
}

void DiagramView::zoom(double factor)
{
  auto_fit_ = false;
  const ViewportAnchor anchor = transformationAnchor();
  setTransformationAnchor(QGraphicsView::AnchorViewCenter);
  scale(factor, factor);
  setTransformationAnchor(anchor);
  minimap_->refresh();
}

} // namespace scalelab::gui
