// Follow a request from the window (offscreen): three-tier.yaml's 1000th request, run by the scalelab binary, its
// path highlighted on the diagram along the edges it took, each hop labelled, the total on the status line.
#include "diagram_view.hpp"
#include "follow_overlay.hpp"
#include "main_window.hpp"

#include <QApplication>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

TEST(FollowWindow, DrawsThePathOfOneRequestOnThreeTier)
{
  qputenv("SCALELAB_BINARY", SCALELAB_BINARY);
  scalelab::gui::MainWindow window;
  window.resize(1500, 950);
  ASSERT_TRUE(window.open_file(QString(SCALELAB_SOURCE_DIR) + "/topologies/three-tier.yaml"));
  window.show();
  QSignalSpy finished(&window, &scalelab::gui::MainWindow::follow_finished);
  ASSERT_EQ(window.follow_request(1000), QString());
  ASSERT_TRUE(finished.wait(120000));
  ASSERT_TRUE(finished.front().front().toBool()) << window.last_message().toStdString();
  const auto* overlay = window.follow().overlay();
  ASSERT_NE(overlay, nullptr);
  EXPECT_EQ(overlay->scene(), window.diagram().scene());
  // users -> lb -> app -> the users database -> app -> lb -> users, each an edge of the diagram.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"(users)", "lb"}, {"lb", "app"}, {"app", "users"}, {"users", "app"}, {"app", "lb"}, {"lb", "(users)"}};
  ASSERT_EQ(overlay->steps().size(), expected.size());
  const auto& graph = window.diagram().graph();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& s = overlay->steps()[i];
    EXPECT_EQ(std::make_pair(s.from, s.to), expected[i]) << i;
    const bool back = i >= 3;
    const auto& [a, b] = back ? std::make_pair(s.to, s.from) : std::make_pair(s.from, s.to);
    bool edge = false;
    for (const auto& e : graph.edges())
      edge |= graph.nodes()[e.from].id == a && graph.nodes()[e.to].id == b;
    EXPECT_TRUE(edge) << a << " -> " << b << " is not an edge of the diagram";
    EXPECT_TRUE(overlay->label(i).startsWith(QString::number(i + 1) + ". net ")) << overlay->label(i).toStdString();
  }
  EXPECT_TRUE(overlay->label(1).contains("served")) << overlay->label(1).toStdString();
  EXPECT_TRUE(window.last_message().startsWith("request 1000 (")) << window.last_message().toStdString();
  EXPECT_TRUE(window.last_message().contains(": ok in ")) << window.last_message().toStdString();
  // The path is drawn: the orange of the overlay is in the rendered scene.
  const QRectF area = overlay->sceneBoundingRect();
  QImage image(area.size().toSize(), QImage::Format_ARGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  window.diagram().scene()->render(&painter, QRectF(QPointF(0, 0), area.size()), area);
  painter.end();
  int orange = 0;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) {
      const QColor c = image.pixelColor(x, y);
      orange += c.red() > 200 && c.green() > 60 && c.green() < 120 && c.blue() < 60 ? 1 : 0;
    }
  EXPECT_GT(orange, 100);
  // Following again replaces the path.
  ASSERT_EQ(window.follow_request(2000), QString());
  ASSERT_TRUE(finished.wait(120000));
  ASSERT_NE(window.follow().overlay(), nullptr);
  EXPECT_EQ(window.follow().overlay()->path().index, 2000u);
  int overlays = 0;
  for (const auto* item : window.diagram().scene()->items())
    overlays += dynamic_cast<const scalelab::gui::FollowOverlay*>(item) ? 1 : 0;
  EXPECT_EQ(overlays, 1);
}
