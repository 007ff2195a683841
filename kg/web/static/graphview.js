/* The interactive graph, shared by the graph page and the query page.
 *
 * new KgGraph(container, detailsPanel) draws nodes and edges in the JSON shape
 * the server sends (/api/graph, /api/neighbours/<name>, /api/subgraph) with
 * vis-network.  Clicking a node fetches and adds its neighbours and lists its
 * claims with their evidence; clicking an edge shows that claim's evidence.
 * The server sends a few sentences per claim and their total
 * (evidence_count); the subject's entity page lists them all.
 * Filters hide categories, relation types, hedged or negated claims.
 * Tooltips and the details panel are built with textContent only.
 *
 * The server sends node positions ("positioned": true, an x and y on every
 * node, computed once by kg.layout), so the physics simulation stays off and
 * a graph of thousands of nodes is usable as soon as it is drawn.  Data
 * without positions are laid out by vis-network's physics, which then stops.
 */
(function () {
  "use strict";
  var kg = window.kg;
  var el = kg.el;

  /* Above this many edges, edges are straight and hidden while the view moves (as kg view does). */
  var LARGE_GRAPH_EDGES = 1000;

  var OPTIONS = {
    autoResize: true,
    layout: {randomSeed: 7, improvedLayout: true},
    physics: {
      enabled: false,
      solver: "forceAtlas2Based",
      forceAtlas2Based: {gravitationalConstant: -60, springLength: 120, avoidOverlap: 0.4},
      stabilization: {enabled: true, iterations: 400, fit: true}
    },
    interaction: {hover: true, tooltipDelay: 150},
    nodes: {shape: "dot", font: {size: 14}, scaling: {min: 10, max: 36}},
    edges: {
      arrows: {to: {enabled: true, scaleFactor: 0.6}},
      font: {size: 10, align: "middle", color: "#505050"},
      smooth: {enabled: true, type: "dynamic"}
    }
  };

  function tip(lines) {
    return el("div", {"class": "tip"}, lines.map(function (line, i) {
      return el(i === 0 ? "strong" : "div", {text: line});
    }));
  }

  function visNode(node) {
    return {
      id: node.id,
      label: node.label,
      color: {background: node.colour, border: node.colour},
      value: Math.max(node.mentions || 0, 1),
      title: tip(String(node.tooltip || node.label).split("\n")),
      opacity: node.context ? 0.45 : 1,
      category: node.category
    };
  }

  function visEdge(edge) {
    var n = typeof edge.evidence_count === "number" ? edge.evidence_count : (edge.evidence || []).length;
    return {
      id: edge.id,
      from: edge.from,
      to: edge.to,
      label: edge.label,
      dashes: !!edge.dashed,
      color: {color: edge.colour, highlight: "#222222", hover: "#222222"},
      width: 1 + Math.min(n, 5) * 0.5,
      title: tip([edge.subject + " " + edge.label + " " + edge.object,
                  edge.modality + ", confidence " + Number(edge.confidence).toFixed(2) + ", " + n + " sentence" + (n === 1 ? "" : "s")]),
      relation: edge.label,
      modality: edge.modality
    };
  }

  function KgGraph(container, details, settings) {
    var self = this;
    this.container = container;
    this.details = details;
    this.settings = settings || {};
    this.raw = {nodes: {}, edges: {}};
    this.expanded = {};
    this.filters = {categories: null, relations: null, hedged: true, negated: true};
    this.ready = false;
    this.nodes = new vis.DataSet();
    this.edges = new vis.DataSet();
    this.nodeView = new vis.DataView(this.nodes, {filter: function (n) { return self.showNode(n); }});
    this.edgeView = new vis.DataView(this.edges, {filter: function (e) { return self.showEdge(e); }});
    this.network = new vis.Network(container, {nodes: this.nodeView, edges: this.edgeView}, OPTIONS);
    this.network.on("stabilizationIterationsDone", function () { self.settle(); });
    this.network.on("click", function (params) {
      if (params.nodes.length) self.selectNode(params.nodes[0]);
      else if (params.edges.length) self.selectEdge(params.edges[0]);
    });
    this.network.on("doubleClick", function (params) {
      if (params.nodes.length) window.location.href = kg.entityUrl(params.nodes[0]);
    });
  }

  /* Physics off once the layout has settled, so nodes stay where they are. */
  KgGraph.prototype.settle = function () {
    this.network.setOptions({physics: {enabled: false}});
    this.ready = true;
    this.container.setAttribute("data-ready", "true");
    if (this.settings.onReady) this.settings.onReady(this);
  };

  KgGraph.prototype.showNode = function (node) {
    var f = this.filters;
    return !f.categories || f.categories.has(node.category || "");
  };

  KgGraph.prototype.showEdge = function (edge) {
    var f = this.filters;
    if (f.relations && !f.relations.has(edge.relation)) return false;
    if (edge.modality === "hedged" && !f.hedged) return false;
    if (edge.modality === "negated" && !f.negated) return false;
    return true;
  };

  KgGraph.prototype.setFilters = function (filters) {
    var key;
    for (key in filters) {
      if (Object.prototype.hasOwnProperty.call(filters, key)) this.filters[key] = filters[key];
    }
    this.nodeView.refresh();
    this.edgeView.refresh();
  };

  /* Add nodes and edges (the server's JSON), all in one go.  Nodes go where the
   * server placed them; otherwise new nodes go in a ring around `anchor` when given. */
  KgGraph.prototype.add = function (data, anchor) {
    var self = this;
    var fresh = (data.nodes || []).filter(function (n) { return !self.raw.nodes[n.id]; });
    var origin = anchor && this.ready ? this.network.getPositions([anchor])[anchor] : null;
    var nodeItems = fresh.map(function (node, i) {
      self.raw.nodes[node.id] = node;
      var item = visNode(node);
      if (data.positioned && typeof node.x === "number" && typeof node.y === "number") {
        item.x = node.x;
        item.y = node.y;
      } else if (origin) {
        var angle = (2 * Math.PI * i) / fresh.length;
        item.x = origin.x + 170 * Math.cos(angle);
        item.y = origin.y + 170 * Math.sin(angle);
      }
      return item;
    });
    var edgeItems = [];
    (data.edges || []).forEach(function (edge) {
      if (self.raw.edges[edge.id]) return;
      self.raw.edges[edge.id] = edge;
      edgeItems.push(visEdge(edge));
    });
    // one add per DataSet: vis-network then updates once, not once per item
    if (nodeItems.length) this.nodes.add(nodeItems);
    if (edgeItems.length) this.edges.add(edgeItems);
  };

  KgGraph.prototype.clearAll = function () {
    this.nodes.clear();
    this.edges.clear();
    this.raw = {nodes: {}, edges: {}};
    this.expanded = {};
    this.ready = false;
    this.container.removeAttribute("data-ready");
  };

  /* Edge shapes and interaction for a drawing of `edges` edges, placed or not. */
  function drawingOptions(positioned, edges) {
    var large = edges > LARGE_GRAPH_EDGES;
    var smooth = !positioned ? {enabled: true, type: "dynamic"}
      : large ? {enabled: false} : {enabled: true, type: "curvedCW", roundness: 0.15};
    return {
      physics: {enabled: false},
      edges: {smooth: smooth},
      interaction: {hideEdgesOnDrag: large, hideEdgesOnZoom: large}
    };
  }

  /* Replace what is drawn by `data`.  Placed data are ready once drawn;
   * others are laid out by the physics simulation first, then settle. */
  KgGraph.prototype.load = function (data) {
    var self = this;
    var positioned = !!data.positioned;
    this.clearAll();
    this.positioned = positioned;
    this.network.setOptions(drawingOptions(positioned, (data.edges || []).length));
    this.add(data);
    if (this.nodes.length === 0) { setTimeout(function () { self.settle(); }, 0); return; }
    if (positioned) {
      this.network.once("afterDrawing", function () { self.settle(); });
      this.network.fit({animation: false});
      this.network.redraw();
      return;
    }
    this.network.setOptions({physics: {enabled: true}});
    this.network.stabilize(400);
  };

  KgGraph.prototype.claimsOf = function (key) {
    var edges = this.raw.edges;
    return Object.keys(edges).sort().map(function (id) { return edges[id]; }).filter(function (e) {
      return e.from === key || e.to === key;
    });
  };

  KgGraph.prototype.panel = function (children) {
    if (!this.details) return;
    kg.clear(this.details);
    var self = this;
    children.forEach(function (child) { self.details.appendChild(child); });
  };

  KgGraph.prototype.showNodeDetails = function (key) {
    var node = this.raw.nodes[key];
    if (!node) return;
    var self = this;
    var claims = this.claimsOf(key);
    var list = el("div", {"class": "claims"});
    claims.forEach(function (edge) { list.appendChild(kg.claimElement(edge, self.raw.nodes)); });
    this.panel([
      el("h2", {}, [kg.entityLink(node.id, node.label, node.colour)]),
      el("p", {"class": "category", text: node.category || "no category"}),
      el("p", {"class": "tooltip-text", text: String(node.tooltip || "")}),
      el("h3", {text: claims.length + " claim" + (claims.length === 1 ? "" : "s")}),
      list
    ]);
    this.details.setAttribute("data-shows", "node:" + key);
  };

  KgGraph.prototype.selectNode = function (key) {
    var self = this;
    if (this.expanded[key]) { this.showNodeDetails(key); return Promise.resolve(); }
    this.panel([el("p", {"class": "hint", text: "Loading the neighbours of " + (this.raw.nodes[key] || {}).label + "…"})]);
    return kg.fetchJSON("/api/neighbours/" + encodeURIComponent(key)).then(function (data) {
      self.expanded[key] = true;
      self.add(data, key);
      self.showNodeDetails(key);
    }).catch(function (error) {
      self.panel([el("p", {"class": "error-message", text: error.message})]);
    });
  };

  KgGraph.prototype.selectEdge = function (id) {
    var edge = this.raw.edges[id];
    if (!edge) return;
    this.panel([el("h2", {text: "Evidence"}), kg.claimElement(edge, this.raw.nodes)]);
    this.details.setAttribute("data-shows", "edge:" + id);
  };

  KgGraph.prototype.fit = function () { this.network.fit(); };

  /* Where a node is drawn, in page (DOM) coordinates of the container. */
  KgGraph.prototype.nodePoint = function (key) {
    var position = this.network.getPositions([key])[key];
    return position ? this.network.canvasToDOM(position) : null;
  };

  /* A point of the container where a click hits edge `id` and no node. */
  KgGraph.prototype.edgePoint = function (id) {
    var edge = this.raw.edges[id];
    if (!edge) return null;
    var a = this.nodePoint(edge.from), b = this.nodePoint(edge.to);
    if (!a || !b) return null;
    var dx = b.x - a.x, dy = b.y - a.y;
    var length = Math.sqrt(dx * dx + dy * dy) || 1;
    var nx = -dy / length, ny = dx / length;
    var steps = [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7];
    for (var off = 0; off <= 40; off += 2) {
      for (var s = 0; s < steps.length; s++) {
        for (var sign = -1; sign <= 1; sign += 2) {
          var p = {x: a.x + dx * steps[s] + sign * off * nx, y: a.y + dy * steps[s] + sign * off * ny};
          if (this.network.getNodeAt(p) === undefined && this.network.getEdgeAt(p) === id) return p;
        }
      }
    }
    return null;
  };

  window.KgGraph = KgGraph;
})();
