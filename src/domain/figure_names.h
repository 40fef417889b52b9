// The names the explanation routes take in metric=, looked up both ways in one constant table per
// kind of figure (DORA's, the pull requests', the tickets').
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace emm::domain {

template <typename Figure>
struct FigureNaming {
  Figure figure;
  std::string_view name;  // a literal: null-terminated
};

template <typename Figure, size_t N>
std::optional<Figure> FigureOfName(const FigureNaming<Figure> (&table)[N], std::string_view name) {
  for (const FigureNaming<Figure>& n : table) {
    if (n.name == name) return n.figure;
  }
  return std::nullopt;
}

template <typename Figure, size_t N>
const char* NameOfFigure(const FigureNaming<Figure> (&table)[N], Figure figure) {
  for (const FigureNaming<Figure>& n : table) {
    if (n.figure == figure) return n.name.data();
  }
  return "";
}

// Every name, in the table's order.
template <typename Figure, size_t N>
constexpr std::array<std::string_view, N> NamesOf(const FigureNaming<Figure> (&table)[N]) {
  std::array<std::string_view, N> out{};
  for (size_t k = 0; k < N; ++k) out[k] = table[k].name;
  return out;
}

}  // namespace emm::domain
