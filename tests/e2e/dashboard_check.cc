#include "e2e/dashboard_check.h"

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "common/percent.h"

namespace emm::e2e {
namespace {

namespace json = boost::json;

std::string Str(const json::value* v) {
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
const json::value* At(const json::value& v, std::string_view key) {
  return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}

class Checker {
 public:
  Checker(const DashboardContext& ctx, DashboardReport* report) : ctx_(ctx), report_(report) {}

  void Run(const json::value& dashboard) {
    if (Str(At(dashboard, "uid")).empty()) Problem("dashboard", "has no uid");
    values_ = ctx_.variables;
    if (const json::value* vars = At(dashboard, "templating")) {
      if (const json::value* list = At(*vars, "list"); list && list->is_array()) {
        for (const json::value& v : list->as_array()) DefaultValue(v);
        for (const json::value& v : list->as_array()) Variable(v);
      }
    }
    if (const json::value* anns = At(dashboard, "annotations")) {
      if (const json::value* list = At(*anns, "list"); list && list->is_array()) {
        for (const json::value& a : list->as_array()) Annotation(a);
      }
    }
    const json::value* panels = At(dashboard, "panels");
    if (!panels || !panels->is_array() || panels->as_array().empty()) {
      Problem("dashboard", "has no panels");
      return;
    }
    Panels(panels->as_array());
  }

 private:
  void Problem(const std::string& where, const std::string& what) {
    report_->problems.push_back(where + ": " + what);
  }

  // Custom and constant variables take their current value unless the context gives one.
  void DefaultValue(const json::value& v) {
    std::string name = Str(At(v, "name"));
    std::string type = Str(At(v, "type"));
    if (values_.count(name) || (type != "custom" && type != "constant")) return;
    if (const json::value* current = At(v, "current")) values_[name] = Str(At(*current, "value"));
  }

  void Variable(const json::value& v) {
    const std::string name = Str(At(v, "name"));
    const std::string where = "variable " + name;
    if (Str(At(v, "type")) != "query") return;
    ++report_->variable_queries;
    if (!values_.count(name)) Problem(where, "the test gives it no value");
    const json::value* ds = At(v, "datasource");
    const std::string uid = ds ? Str(At(*ds, "uid")) : "";
    if (uid != kPrometheusUid) {
      Problem(where, "queries data source '" + uid + "'; only Prometheus variables are checked");
      return;
    }
    const json::value* q = At(v, "query");
    std::string query = q && q->is_object() ? Str(At(*q, "query")) : Str(q);
    std::string expanded;
    if (!Substitute(where, query, &expanded)) return;
    // label_values([selector, ]label) as Grafana's Prometheus data source reads it.
    static const std::regex kLabelValues(R"(^\s*label_values\((?:(.+),\s*)?([a-zA-Z_]\w*)\)\s*$)");
    static const std::regex kQueryResult(R"(^\s*query_result\((.+)\)\s*$)");
    std::smatch m;
    if (std::regex_match(expanded, m, kLabelValues)) {
      std::string target = "/api/v1/label/" + m[2].str() + "/values";
      if (m[1].matched) target += "?match[]=" + PercentEncodeComponent(m[1].str());
      json::value answer = HttpClient(ctx_.prometheus_port).Get(target).Json();
      const json::value* data = At(answer, "data");
      if (!data || !data->is_array() || data->as_array().empty()) {
        Problem(where, "`" + expanded + "` has no values: " + json::serialize(answer));
        return;
      }
      if (values_.count(name)) {
        bool found = false;
        for (const json::value& value : data->as_array()) found |= Str(&value) == values_[name];
        if (!found) {
          Problem(where, "`" + expanded + "` does not offer " + values_[name] + ": " +
                             json::serialize(*data));
        }
      }
    } else if (std::regex_match(expanded, m, kQueryResult)) {
      PromQuery(where, m[1].str(), "");
    } else {
      Problem(where, "unsupported variable query `" + query + "`");
    }
  }

  void Annotation(const json::value& a) {
    if (At(a, "builtIn")) return;  // Grafana's own annotations
    const std::string where = "annotation " + Str(At(a, "name"));
    const json::value* target = At(a, "target");
    if (!target) {
      Problem(where, "has no target");
      return;
    }
    Target(where, *target, At(a, "datasource"));
  }

  void Panels(const json::array& panels) {
    for (const json::value& p : panels) {
      const std::string type = Str(At(p, "type"));
      const json::value* id = At(p, "id");
      const std::string where =
          "panel " + (id ? json::serialize(*id) : "?") + " \"" + Str(At(p, "title")) + "\"";
      if (!id || !id->is_int64() || !ids_.insert(id->as_int64()).second) {
        Problem(where, "needs an id of its own");
      }
      if (type == "row") {
        if (const json::value* inner = At(p, "panels"); inner && inner->is_array()) {
          Panels(inner->as_array());
        }
        continue;
      }
      if (type == "text") continue;
      const json::value* targets = At(p, "targets");
      if (!targets || !targets->is_array() || targets->as_array().empty()) {
        Problem(where, "has no queries");
        continue;
      }
      for (const json::value& t : targets->as_array()) {
        Target(where + " query " + Str(At(t, "refId")), t, At(p, "datasource"));
      }
      Overrides(where, p, targets->as_array());
    }
  }

  // A field override by name on Infinity columns must name one of their columns (an override
  // left behind by a renamed column silently does nothing).
  void Overrides(const std::string& where, const json::value& panel, const json::array& targets) {
    std::set<std::string> names;
    for (const json::value& t : targets) {
      const json::value* columns = At(t, "columns");
      if (!columns || !columns->is_array()) return;  // names from Prometheus' legends
      for (const json::value& c : columns->as_array()) names.insert(Str(At(c, "text")));
    }
    const json::value* config = At(panel, "fieldConfig");
    const json::value* overrides = config ? At(*config, "overrides") : nullptr;
    if (!overrides || !overrides->is_array()) return;
    for (const json::value& o : overrides->as_array()) {
      const json::value* matcher = At(o, "matcher");
      if (!matcher || Str(At(*matcher, "id")) != "byName") continue;
      const std::string name = Str(At(*matcher, "options"));
      if (!names.count(name)) Problem(where, "an override names field '" + name + "', no column");
    }
  }

  // A target of either data source. Grafana queries the panel's (or annotation's) data source;
  // a target naming another one is a dashboard that says two things.
  void Target(const std::string& where, const json::value& t, const json::value* panel_ds) {
    const json::value* own = At(t, "datasource");
    const json::value* ds = panel_ds ? panel_ds : own;
    const std::string uid = ds ? Str(At(*ds, "uid")) : "";
    if (own && panel_ds && Str(At(*own, "uid")) != uid) {
      return Problem(
          where, "its data source '" + Str(At(*own, "uid")) + "' is not its panel's '" + uid + "'");
    }
    if (uid == kPrometheusUid) {
      PromQuery(where, Str(At(t, "expr")), Str(At(t, "legendFormat")));
    } else if (uid == kInfinityUid) {
      Infinity(where, t);
    } else {
      Problem(where, "data source uid '" + uid + "' is neither '" + kPrometheusUid + "' nor '" +
                         kInfinityUid + "'");
    }
  }

  void PromQuery(const std::string& where, const std::string& expr, const std::string& legend) {
    ++report_->prometheus_queries;
    std::string promql;
    if (expr.empty()) return Problem(where, "has no expression");
    if (!Substitute(where, expr, &promql)) return;
    json::value answer = HttpClient(ctx_.prometheus_port)
                             .Get("/api/v1/query?query=" + PercentEncodeComponent(promql))
                             .Json();
    const json::value* data = At(answer, "data");
    const json::value* result = data ? At(*data, "result") : nullptr;
    if (Str(At(answer, "status")) != "success" || !result || !result->is_array()) {
      return Problem(where, "Prometheus refused `" + promql + "`: " + json::serialize(answer));
    }
    if (result->as_array().empty()) {
      return Problem(where, "`" + promql +
                                "` returns no series (a series or label that does "
                                "not exist?)");
    }
    // {{label}} in the legend must be a label of the answer's series.
    static const std::regex kLegendLabel(R"(\{\{\s*([a-zA-Z_]\w*)\s*\}\})");
    for (std::sregex_iterator it(legend.begin(), legend.end(), kLegendLabel), end; it != end;
         ++it) {
      const json::value* metric = At(result->as_array()[0], "metric");
      if (!metric || !At(*metric, (*it)[1].str())) {
        Problem(where, "the legend names label " + (*it)[1].str() + " that `" + promql +
                           "` does not return");
      }
    }
  }

  void Infinity(const std::string& where, const json::value& t) {
    ++report_->infinity_queries;
    // What the checks below understand, and how the data source reads our API.
    if (Str(At(t, "type")) != "json" || Str(At(t, "source")) != "url" ||
        Str(At(t, "parser")) != "backend") {
      return Problem(where, "an Infinity query must be type json, source url, parser backend");
    }
    std::string url = Str(At(t, "url"));
    // Infinity prefixes the data source's URL (http://em-metrics:3000) to the query's.
    if (url.empty() || url[0] != '/') {
      return Problem(where, "url '" + url + "' must be a path on the data source's base URL");
    }
    std::string target;
    if (!Substitute(where, url, &target)) return;
    if (const json::value* options = At(t, "url_options")) {
      if (std::string method = Str(At(*options, "method")); !method.empty() && method != "GET") {
        Problem(where, "only GET is checked, not " + method);
      }
    }
    HttpResponse r = HttpClient(ctx_.api_port).Get(target, ctx_.api_headers);
    if (r.status != 200) {
      return Problem(where,
                     "GET " + target + " answered " + std::to_string(r.status) + ": " + r.body);
    }
    json::value answer = r.Json();
    if (answer.is_null()) return Problem(where, "GET " + target + " is not JSON");
    const std::string root = Str(At(t, "root_selector"));
    const json::value* rows = root.empty() ? &answer : Path(answer, root);
    if (!rows) {
      return Problem(where, "root_selector '" + root + "' is not in the answer of " + target);
    }
    std::vector<const json::value*> objects;
    if (rows->is_array()) {
      for (const json::value& row : rows->as_array()) objects.push_back(&row);
    } else {
      objects.push_back(rows);
    }
    if (objects.empty()) return Problem(where, target + " answered no rows");
    const json::value* columns = At(t, "columns");
    if (!columns || !columns->is_array() || columns->as_array().empty()) {
      return Problem(where, "names no columns");
    }
    for (const json::value& c : columns->as_array()) {
      Column(where, target, c, objects);
    }
  }

  // Every row has the column's field, of its type; a number or time column has a value in at
  // least one row (else the seeded events do not exercise it).
  void Column(const std::string& where, const std::string& target, const json::value& c,
              const std::vector<const json::value*>& rows) {
    const std::string selector = Str(At(c, "selector"));
    const std::string type = Str(At(c, "type"));
    bool any_value = false;
    for (const json::value* row : rows) {
      const json::value* v = Path(*row, selector);
      if (!v) {
        return Problem(where, "column '" + selector + "' is not a field of " + target + ": " +
                                  json::serialize(*row));
      }
      if (v->is_null()) continue;
      any_value = true;
      // As Infinity's framer reads each type: a string column shows numbers and booleans but
      // makes arrays and objects null.
      bool ok = !v->is_structured();
      if (type == "number" || type == "timestamp_epoch" || type == "timestamp_epoch_s") {
        ok = v->is_number();
      } else if (type == "timestamp") {
        // RFC 3339, the form the API writes times in (a time column holding another string is
        // a field that changed shape).
        static const std::regex kRfc3339(
            R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))");
        ok = v->is_string() && std::regex_match(std::string(v->as_string()), kRfc3339);
      }
      if (!ok) {
        return Problem(where, "column '" + selector + "' is typed " + type + " but holds " +
                                  json::serialize(*v));
      }
    }
    if (!any_value && type != "string") {
      Problem(where, "column '" + selector + "' is null in every row of " + target +
                         " (seed the events it needs)");
    }
  }

  // A GJSON-style dot path (a.b.0.c), the form Infinity's backend parser reads.
  static const json::value* Path(const json::value& v, const std::string& path) {
    const json::value* at = &v;
    size_t start = 0;
    while (at && start <= path.size()) {
      size_t dot = path.find('.', start);
      std::string key =
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (at->is_object()) {
        at = at->as_object().if_contains(key);
      } else if (at->is_array() && !key.empty() &&
                 key.find_first_not_of("0123456789") == std::string::npos) {
        size_t i = std::stoul(key);
        at = i < at->as_array().size() ? &at->as_array()[i] : nullptr;
      } else {
        at = nullptr;
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return at;
  }

  // Grafana's interpolation: $name, ${name}, ${name:format} from the variables and built-ins.
  // False (and a problem) for a name it does not know or a format it does not support.
  bool Substitute(const std::string& where, const std::string& text, std::string* out) {
    const int64_t range_s = (ctx_.to_ms - ctx_.from_ms) / 1000;
    const std::map<std::string, std::string> builtins = {
        {"__from", std::to_string(ctx_.from_ms)},
        {"__to", std::to_string(ctx_.to_ms)},
        {"__range", std::to_string(range_s) + "s"},
        {"__range_s", std::to_string(range_s)},
        {"__range_ms", std::to_string(range_s * 1000)},
        // What Grafana computes for a 1 s scrape interval and a few hundred points.
        {"__interval", "1m"},
        {"__interval_ms", "60000"},
        {"__rate_interval", "1m"}};
    static const std::regex kVar(R"(\$\{([A-Za-z_]\w*)(?::([a-z]+))?\}|\$([A-Za-z_]\w*))");
    out->clear();
    std::string::const_iterator last = text.begin();
    for (std::sregex_iterator it(text.begin(), text.end(), kVar), end; it != end; ++it) {
      const std::smatch& m = *it;
      out->append(last, m[0].first);
      last = m[0].second;
      std::string name = m[1].matched ? m[1].str() : m[3].str();
      std::string format = m[2].str();
      std::string value;
      if (auto b = builtins.find(name); b != builtins.end()) {
        value = b->second;
      } else if (auto v = values_.find(name); v != values_.end()) {
        value = v->second;
      } else {
        Problem(where, "names $" + name + ", which is neither a variable nor a built-in");
        return false;
      }
      if (format == "percentencode") {
        value = PercentEncodeComponent(value);
      } else if (!format.empty() && format != "raw") {
        Problem(where, "format :" + format + " of $" + name + " is not supported by the check");
        return false;
      }
      out->append(value);
    }
    out->append(last, text.end());
    return true;
  }

  const DashboardContext& ctx_;
  DashboardReport* report_;
  std::map<std::string, std::string> values_;
  std::set<int64_t> ids_;
};

}  // namespace

DashboardReport CheckDashboard(const std::string& json_text, const DashboardContext& ctx) {
  DashboardReport report;
  boost::system::error_code ec;
  json::value dashboard = json::parse(json_text, ec);
  if (ec) {
    report.problems.push_back("not valid JSON: " + ec.message());
    return report;
  }
  Checker(ctx, &report).Run(dashboard);
  return report;
}

}  // namespace emm::e2e
