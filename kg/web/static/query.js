/* The query page: pick an example or write SPARQL, run it against /sparql,
 * read the rows in a table, download them, or show their entities as a graph.
 * An example with parameters gets one field per parameter; running it asks
 * the server (/api/queries/<name>) for the text with the values bound. */
(function () {
  "use strict";
  var kg = window.kg;
  var el = kg.el;
  var app = document.getElementById("query-app");
  if (!app) return;

  var select = document.getElementById("examples");
  var editor = document.getElementById("query-text");
  var description = document.getElementById("example-description");
  var runButton = document.getElementById("run");
  var status = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var results = document.getElementById("results");
  var downloads = document.getElementById("downloads");
  var showGraph = document.getElementById("show-graph");
  var panel = document.getElementById("result-graph-panel");
  var parameters = document.getElementById("parameters");
  var fields = document.getElementById("parameter-fields");

  var STATEMENT = "https://w3id.org/kg/statement/";
  var ACCEPT = "application/sparql-results+json, application/ld+json;q=0.9, application/json;q=0.1";
  var EXTENSIONS = {csv: "csv", tsv: "tsv", json: "json", xml: "xml", turtle: "ttl", nt: "nt", "json-ld": "jsonld"};
  var queries = {};
  var prefixes = {};
  var last = null;  // {query, kind, entities}
  var graph = null;

  function compact(iri) {
    var best = null;
    Object.keys(prefixes).forEach(function (prefix) {
      var base = prefixes[prefix];
      if (iri.indexOf(base) === 0 && (best === null || base.length > prefixes[best].length)) best = prefix;
    });
    if (best !== null) {
      var local = iri.slice(prefixes[best].length);
      if (/^[\w.-]*$/.test(local) && local.slice(-1) !== ".") return best + ":" + local;
    }
    return "<" + iri + ">";
  }

  /* One labelled input per parameter of `q`, holding its default. */
  function showParameters(q) {
    kg.clear(fields);
    var params = q ? q.parameters || [] : [];
    parameters.hidden = params.length === 0;
    params.forEach(function (p) {
      var id = "param-" + p.name;
      var input = el("input", {type: "text", id: id, name: p.name, value: p.default, placeholder: p.default,
                               "data-default": p.default, inputmode: p.numeric ? "decimal" : null,
                               "aria-describedby": id + "-about " + id + "-error"});
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); run(); }
      });
      input.addEventListener("input", function () { markField(p.name, null); });
      fields.appendChild(el("div", {"class": "field"}, [
        el("label", {"for": id, text: "?" + p.name}),
        input,
        el("span", {"class": "hint", id: id + "-about", text: p.description}),
        el("span", {"class": "field-error", id: id + "-error", hidden: true})
      ]));
    });
  }

  /* Show `message` under the field of parameter `name` (none: clear it). */
  function markField(name, message) {
    var input = document.getElementById("param-" + name);
    var note = document.getElementById("param-" + name + "-error");
    if (!input || !note) return;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    note.textContent = message || "";
    note.hidden = !message;
  }

  function parameterValues() {
    var values = {};
    fields.querySelectorAll("input[name]").forEach(function (input) { values[input.name] = input.value; });
    return values;
  }

  function choose(name) {
    var q = queries[name];
    description.textContent = q ? q.description : "";
    if (q) editor.value = q.text;
    showParameters(q);
  }

  kg.fetchJSON("/api/queries").then(function (data) {
    prefixes = data.prefixes || {};
    (data.queries || []).forEach(function (q) { queries[q.name] = q; });
    var wanted = app.getAttribute("data-selected");
    if (editor.value.trim()) {
      select.value = "";
    } else {
      if (!queries[wanted]) wanted = select.options.length > 1 ? select.options[1].value : "";
      select.value = wanted;
      choose(wanted);
    }
    app.setAttribute("data-ready", "true");
  }).catch(function (error) { showError({message: "cannot load the example queries: " + error.message}); });

  select.addEventListener("change", function () { choose(select.value); });
  editor.addEventListener("input", function () {
    var q = queries[select.value];
    if (q && q.text !== editor.value) { select.value = ""; description.textContent = ""; showParameters(null); }
  });

  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    else if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      var start = editor.selectionStart;
      editor.setRangeText("  ", start, editor.selectionEnd, "end");
    }
  });

  function reset() {
    errorBox.hidden = true;
    errorBox.textContent = "";
    kg.clear(results);
    results.removeAttribute("data-state");
    downloads.hidden = true;
    showGraph.hidden = true;
    panel.hidden = true;
  }

  function showError(error) {
    errorBox.textContent = error.message || String(error);
    errorBox.hidden = false;
    status.textContent = "The query failed.";
    results.setAttribute("data-state", "error");
    if (error.line) {
      var lines = editor.value.split("\n");
      var offset = 0;
      for (var i = 0; i < error.line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
      offset += Math.max((error.column || 1) - 1, 0);
      editor.focus();
      editor.setSelectionRange(offset, Math.min(offset + 1, editor.value.length));
    }
  }

  function cell(term) {
    if (!term) return el("td", {"class": "unbound"});
    if (term.type === "uri") {
      var key = kg.entityKey(term.value);
      if (key !== null) return el("td", {}, [el("a", {href: kg.entityUrl(key), title: term.value, text: compact(term.value)})]);
      return el("td", {"class": "iri", title: term.value, text: compact(term.value)});
    }
    if (term.type === "bnode") return el("td", {"class": "bnode", text: "_:" + term.value});
    var note = term["xml:lang"] ? "@" + term["xml:lang"] : term.datatype ? compact(term.datatype) : null;
    return el("td", {"class": "literal", title: note, text: term.value});
  }

  function table(variables, rows) {
    var head = el("tr", {}, variables.map(function (v) { return el("th", {text: v}); }));
    var body = el("tbody");
    rows.forEach(function (row) {
      body.appendChild(el("tr", {}, variables.map(function (v) { return cell(row[v]); })));
    });
    return el("table", {"class": "results"}, [el("thead", {}, [head]), body]);
  }

  /* JSON-LD as rdflib writes it (expanded, no context) -> s, p, o rows. */
  function triples(doc) {
    var rows = [];
    var nodes = Array.isArray(doc) ? doc : (doc["@graph"] || [doc]);
    function term(value) {
      if (value["@id"] !== undefined) {
        var id = value["@id"];
        return id.indexOf("_:") === 0 ? {type: "bnode", value: id.slice(2)} : {type: "uri", value: id};
      }
      var t = {type: "literal", value: String(value["@value"])};
      if (value["@language"]) t["xml:lang"] = value["@language"];
      else if (value["@type"]) t.datatype = value["@type"];
      return t;
    }
    nodes.forEach(function (node) {
      var subject = term({"@id": node["@id"]});
      Object.keys(node).sort().forEach(function (key) {
        if (key === "@id") return;
        var predicate = key === "@type" ? "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" : key;
        [].concat(node[key]).forEach(function (value) {
          var object = key === "@type" ? {type: "uri", value: value} : term(value);
          rows.push({subject: subject, predicate: {type: "uri", value: predicate}, object: object});
        });
      });
    });
    return rows;
  }

  /* The entity and statement IRIs in the results: what "show as graph" draws. */
  function entitiesIn(variables, rows) {
    var seen = {};
    rows.forEach(function (row) {
      variables.forEach(function (v) {
        var t = row[v];
        if (t && t.type === "uri" && (kg.entityKey(t.value) !== null || t.value.indexOf(STATEMENT) === 0)) seen[t.value] = true;
      });
    });
    return Object.keys(seen).sort();
  }

  function describe(count, noun, response, started) {
    var ms = Math.round(performance.now() - started);
    var text = count + " " + noun + (count === 1 ? "" : "s") + " in " + ms + " ms";
    if (response.headers.get("KG-Truncated") === "true") text += " (cut at the server's limit of " + count + ")";
    status.textContent = text;
  }

  /* The text to run: the editor's, or the chosen example's with its parameters bound by the server. */
  function queryToRun() {
    var q = queries[select.value];
    if (!q || !(q.parameters || []).length || editor.value !== q.text) return Promise.resolve(editor.value);
    (q.parameters || []).forEach(function (p) { markField(p.name, null); });
    return fetch("/api/queries/" + encodeURIComponent(q.name), {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({params: parameterValues()})
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok && data && typeof data.query === "string") return data.query;
        var error = (data && data.error) || {message: response.statusText};
        if (error.parameter) markField(error.parameter, error.message);
        throw {message: error.message, parameter: error.parameter};
      });
    });
  }

  function run() {
    reset();
    if (!editor.value.trim()) { status.textContent = "Write a query first."; return; }
    status.textContent = "Running…";
    runButton.disabled = true;
    queryToRun().then(execute, function (error) {
      showError({message: error.message || String(error)});
      runButton.disabled = false;
    });
  }

  function execute(query) {
    var started = performance.now();
    fetch("/sparql", {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT},
      body: new URLSearchParams({query: query})
    }).then(function (response) {
      return response.text().then(function (body) {
        var type = response.headers.get("Content-Type") || "";
        var data = null;
        try { data = JSON.parse(body); } catch (e) { data = null; }
        if (!response.ok) {
          showError(data && data.error ? data.error : {message: body || response.statusText});
          return;
        }
        if (type.indexOf("application/ld+json") === 0) {
          var rows = triples(data || []);
          results.appendChild(table(["subject", "predicate", "object"], rows));
          last = {query: query, kind: "graph", entities: entitiesIn(["subject", "object"], rows)};
          describe(rows.length, "triple", response, started);
        } else if (data && typeof data.boolean === "boolean") {
          results.appendChild(el("p", {"class": "boolean", text: data.boolean ? "true" : "false"}));
          last = {query: query, kind: "boolean", entities: []};
          status.textContent = "ASK answered in " + Math.round(performance.now() - started) + " ms";
        } else {
          var variables = data.head.vars || [];
          var bindings = data.results.bindings || [];
          results.appendChild(table(variables, bindings));
          last = {query: query, kind: "rows", entities: entitiesIn(variables, bindings)};
          describe(bindings.length, "row", response, started);
        }
        results.setAttribute("data-state", "done");
        downloads.hidden = last.kind === "boolean";
        downloads.querySelector("[data-kind=rows]").hidden = last.kind !== "rows";
        downloads.querySelector("[data-kind=graph]").hidden = last.kind !== "graph";
        showGraph.hidden = last.kind === "boolean";
      });
    }).catch(function (error) {
      showError({message: "the server could not be reached: " + error.message});
    }).then(function () { runButton.disabled = false; });
  }

  runButton.addEventListener("click", run);

  downloads.querySelectorAll("button[data-format]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!last) return;
      var format = button.getAttribute("data-format");
      fetch("/sparql", {
        method: "POST",
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams({query: last.query, format: format})
      }).then(function (response) {
        if (!response.ok) return response.text().then(function (t) { throw new Error(t); });
        return response.blob();
      }).then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = el("a", {href: url, download: "results." + EXTENSIONS[format]});
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      }).catch(function (error) { showError({message: "download failed: " + error.message}); });
    });
  });

  showGraph.addEventListener("click", function () {
    if (!last) return;
    panel.hidden = false;
    panel.scrollIntoView({block: "nearest"});
    if (!graph) {
      graph = new window.KgGraph(document.getElementById("result-graph"), document.getElementById("result-details"));
      window.kgResultGraph = graph;  // for the browser tests and the console
    }
    if (last.entities.length === 0) {
      graph.load({nodes: [], edges: []});
      graph.panel([el("p", {"class": "hint", text: "These results name no entity or claim of the graph."})]);
      return;
    }
    kg.fetchJSON("/api/subgraph", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({ids: last.entities, neighbours: true})
    }).then(function (data) { graph.load(data); })
      .catch(function (error) { graph.panel([el("p", {"class": "error-message", text: error.message})]); });
  });
})();
