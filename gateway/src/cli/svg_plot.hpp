// A minimal line chart as SVG text, for `switchyard eval --svg` (no plotting library needed).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace sy::cli {

class SvgPlot {
public:
    static constexpr double kW = 640, kH = 420, kLeft = 60, kRight = 20, kTop = 40, kBottom = 50;

    SvgPlot(std::string title, std::string x_label, std::string y_label)
        : title_(std::move(title)), x_label_(std::move(x_label)), y_label_(std::move(y_label)) {}

    void line(std::vector<std::pair<double, double>> pts, std::string name, std::string color) {
        for (const auto& p : pts) extend(p.first, p.second);
        lines_.push_back({std::move(pts), std::move(name), std::move(color)});
    }
    void point(double x, double y, std::string name) {
        extend(x, y);
        points_.push_back({{{x, y}}, std::move(name), "#d62728"});
    }

    std::string render() const {
        std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"420\" font-family=\"sans-serif\" font-size=\"11\">\n";
        s += "<rect width=\"640\" height=\"420\" fill=\"white\"/>\n";
        s += text(kW / 2, 20, title_, "middle", 13);
        s += text(kW / 2, kH - 10, x_label_, "middle", 11);
        s += "<text x=\"14\" y=\"" + fmt(kH / 2) + "\" transform=\"rotate(-90 14 " + fmt(kH / 2) + ")\" text-anchor=\"middle\">" +
             escape(y_label_) + "</text>\n";
        s += "<rect x=\"" + fmt(kLeft) + "\" y=\"" + fmt(kTop) + "\" width=\"" + fmt(kW - kLeft - kRight) + "\" height=\"" +
             fmt(kH - kTop - kBottom) + "\" fill=\"none\" stroke=\"#333\"/>\n";
        for (int i = 0; i <= 4; ++i) {
            double fx = x0_ + (x1_ - x0_) * i / 4, fy = y0_ + (y1_ - y0_) * i / 4;
            s += text(sx(fx), kH - kBottom + 15, fmt(fx), "middle", 10);
            s += text(kLeft - 5, sy(fy) + 3, fmt(fy), "end", 10);
        }
        double legend_y = kTop + 15;
        for (const auto& l : lines_) {
            s += "<polyline fill=\"none\" stroke=\"" + l.color + "\" stroke-width=\"2\" points=\"";
            for (const auto& p : l.pts) s += fmt(sx(p.first)) + "," + fmt(sy(p.second)) + " ";
            s += "\"/>\n";
            s += text(kLeft + 10, legend_y, l.name, "start", 11, l.color);
            legend_y += 14;
        }
        for (const auto& p : points_) {
            s += "<circle cx=\"" + fmt(sx(p.pts[0].first)) + "\" cy=\"" + fmt(sy(p.pts[0].second)) + "\" r=\"3\" fill=\"" +
                 p.color + "\"/>\n";
            s += text(sx(p.pts[0].first) + 5, sy(p.pts[0].second) - 4, p.name, "start", 9, p.color);
        }
        return s + "</svg>\n";
    }

    // Several charts one above the other in one document.
    static std::string stack(const std::vector<std::string>& charts) {
        std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"" + fmt(kH * charts.size()) + "\">\n";
        for (size_t i = 0; i < charts.size(); ++i)
            s += "<g transform=\"translate(0 " + fmt(kH * i) + ")\">\n" + charts[i] + "</g>\n";
        return s + "</svg>\n";
    }

private:
    struct Series {
        std::vector<std::pair<double, double>> pts;
        std::string name, color;
    };
    void extend(double x, double y) {
        if (!std::isfinite(x) || !std::isfinite(y)) return;
        x0_ = std::min(x0_, x), x1_ = std::max(x1_, x), y0_ = std::min(y0_, y), y1_ = std::max(y1_, y);
    }
    double sx(double x) const { return kLeft + (x1_ > x0_ ? (x - x0_) / (x1_ - x0_) : 0.5) * (kW - kLeft - kRight); }
    double sy(double y) const { return kH - kBottom - (y1_ > y0_ ? (y - y0_) / (y1_ - y0_) : 0.5) * (kH - kTop - kBottom); }
    static std::string fmt(double d) {
        char b[32];
        std::snprintf(b, sizeof b, "%.4g", d);
        return b;
    }
    static std::string escape(const std::string& t) {
        std::string o;
        for (char c : t) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
        return o;
    }
    static std::string text(double x, double y, const std::string& t, const char* anchor, int size,
                            const std::string& color = "#000") {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
               std::to_string(size) + "\" fill=\"" + color + "\">" + escape(t) + "</text>\n";
    }
    std::string title_, x_label_, y_label_;
    std::vector<Series> lines_, points_;
    double x0_ = INFINITY, x1_ = -INFINITY, y0_ = INFINITY, y1_ = -INFINITY;
};

}  // namespace sy::cli
