/* The graph page: load the start of the graph (or one entity's neighbourhood)
 * and wire the filters to the KgGraph. */
(function () {
  "use strict";
  var app = document.getElementById("graph-app");
  if (!app) return;
  var status = document.getElementById("graph-status");
  var graph = new window.KgGraph(document.getElementById("graph"), document.getElementById("details"), {
    onReady: function (g) {
      // the first drawing, as kg view's page marks it (scripts/bench_view.py reads it)
      if (!performance.getEntriesByName("kg:drawn").length) performance.mark("kg:drawn");
      status.textContent = g.nodes.length + " entities, " + g.edges.length + " claims shown";
      if (g.truncated) status.textContent += "; the best connected of the graph's entities: click a node to expand.";
    }
  });
  window.kgGraph = graph;  // for the browser tests and the console
  window.kgNetwork = graph.network;  // as kg view's page names it

  function checked(name) {
    var values = new Set();
    document.querySelectorAll("input[name=" + name + "]").forEach(function (box) {
      if (box.checked) values.add(box.value);
    });
    return values;
  }

  function applyFilters() {
    graph.setFilters({
      categories: checked("category"),
      relations: checked("relation"),
      hedged: document.getElementById("show-hedged").checked,
      negated: document.getElementById("show-negated").checked
    });
  }

  document.querySelectorAll("aside.filters input").forEach(function (box) {
    box.addEventListener("change", applyFilters);
  });

  function load(url) {
    status.textContent = "Loading…";
    return window.kg.fetchJSON(url).then(function (data) {
      graph.truncated = !!data.truncated;
      graph.load(data);
      if (data.center) {
        graph.expanded[data.center] = true;
        graph.showNodeDetails(data.center);
      }
    }).catch(function (error) {
      status.textContent = error.message;
    });
  }

  document.getElementById("show-all").addEventListener("click", function () {
    history.replaceState(null, "", "/graph");
    load("/api/graph");
  });
  document.getElementById("fit").addEventListener("click", function () { graph.fit(); });

  var focus = app.getAttribute("data-focus");
  load(focus ? "/api/graph?focus=" + encodeURIComponent(focus) : "/api/graph");
})();
