/* Search suggestions under the search box: /api/suggest?q= as you type.
 * Arrow keys move, Enter opens the chosen entity, Escape closes the list. */
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-suggestions");
  if (!input || !list) return;
  var el = window.kg.el;
  var items = [];
  var active = -1;
  var latest = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function highlight(index) {
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
  }

  function show(suggestions) {
    window.kg.clear(list);
    items = suggestions.map(function (s, i) {
      var link = el("a", {href: s.url, tabindex: "-1"}, [window.kg.swatch(s.colour), el("span", {"class": "label", text: s.label})]);
      if (s.matched && s.matched !== s.label) link.appendChild(el("span", {"class": "matched", text: s.matched}));
      if (s.category) link.appendChild(el("small", {text: s.category}));
      var item = el("li", {role: "option", id: "suggestion-" + i, "aria-selected": "false"}, [link]);
      item.addEventListener("mousedown", function (event) { event.preventDefault(); window.location.href = s.url; });
      list.appendChild(item);
      return item;
    });
    if (items.length === 0) {
      list.appendChild(el("li", {"class": "empty", text: "no entity matches"}));
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  var update = window.kg.debounce(function () {
    var q = input.value.trim();
    if (!q) { close(); return; }
    var ticket = ++latest;
    window.kg.fetchJSON("/api/suggest?q=" + encodeURIComponent(q) + "&limit=10").then(function (data) {
      if (ticket === latest) show(data.suggestions || []);
    }).catch(close);
  }, 120);

  input.addEventListener("input", update);
  input.addEventListener("keydown", function (event) {
    if (list.hidden || items.length === 0) return;
    if (event.key === "ArrowDown") { highlight((active + 1) % items.length); event.preventDefault(); }
    else if (event.key === "ArrowUp") { highlight((active - 1 + items.length) % items.length); event.preventDefault(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = items[active].querySelector("a").getAttribute("href");
    } else if (event.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
