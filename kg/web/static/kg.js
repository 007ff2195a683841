/* kg serve: helpers shared by the pages.
 *
 * Text that comes from the graph (labels, sentences, sources) only ever
 * reaches the page through textContent or createTextNode, never innerHTML,
 * so markup inside a document shows as text.
 */
(function () {
  "use strict";

  var ENTITY = "https://w3id.org/kg/entity/";

  /* el("a", {href: "/x", text: "label", class: "entity"}, [child, "text"]) */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    attrs = attrs || {};
    for (key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
      var value = attrs[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function swatch(colour) {
    var span = el("span", {"class": "swatch"});
    span.style.background = colour || "#bab0ac";
    return span;
  }

  function entityUrl(key) {
    return "/entity/" + encodeURIComponent(key);
  }

  /* The entity's name in URLs when iri is an entity IRI, else null. */
  function entityKey(iri) {
    return typeof iri === "string" && iri.indexOf(ENTITY) === 0 ? iri.slice(ENTITY.length) : null;
  }

  function entityLink(key, label, colour) {
    return el("a", {"class": "entity", href: entityUrl(key)}, [swatch(colour), label]);
  }

  /* fetch() that resolves to parsed JSON and rejects with a readable message. */
  function fetchJSON(url, options) {
    return fetch(url, options).then(function (response) {
      return response.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        if (!response.ok) {
          var message = data && data.error && data.error.message ? data.error.message : body || response.statusText;
          throw new Error(message);
        }
        return data;
      });
    });
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var self = this, args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  /* One claim with its evidence sentences, as on the entity page. */
  function claimElement(edge, nodes) {
    var subject = nodes && nodes[edge.from];
    var object = nodes && nodes[edge.to];
    var heading = el("h3", {}, [
      entityLink(edge.from, edge.subject, subject && subject.colour), " ",
      el("span", {"class": "relation", text: edge.label}), " ",
      entityLink(edge.to, edge.object, object && object.colour), " ",
      el("span", {"class": "badge " + edge.modality, text: edge.modality}), " ",
      el("span", {"class": "confidence", text: "confidence " + Number(edge.confidence).toFixed(2)})
    ]);
    var list = el("ul", {"class": "evidence"});
    (edge.evidence || []).forEach(function (ev) {
      var meta = el("span", {"class": "meta"}, [el("span", {"class": "source", text: ev.source})]);
      if (ev.modality !== "asserted") {
        meta.appendChild(document.createTextNode(" "));
        meta.appendChild(el("span", {"class": "badge " + ev.modality, text: ev.modality}));
      }
      list.appendChild(el("li", {}, [el("q", {"class": "sentence", text: ev.sentence}), " ", meta]));
    });
    var shown = (edge.evidence || []).length;
    var more = typeof edge.evidence_count === "number" ? edge.evidence_count - shown : 0;
    var rest = null;
    if (more > 0) {  // the graph's JSON holds a few sentences; the entity page has every one
      rest = el("p", {"class": "more-evidence"}, [
        more + " more sentence" + (more === 1 ? "" : "s") + ": ",
        el("a", {href: entityUrl(edge.from) + "#claim-" + encodeURIComponent(edge.id), text: "all on the page of " + edge.subject})
      ]);
    }
    return el("article", {"class": "claim " + edge.modality, "data-claim": edge.id}, [heading, list, rest]);
  }

  window.kg = {
    el: el,
    clear: clear,
    swatch: swatch,
    entityUrl: entityUrl,
    entityKey: entityKey,
    entityLink: entityLink,
    fetchJSON: fetchJSON,
    debounce: debounce,
    claimElement: claimElement
  };
})();
