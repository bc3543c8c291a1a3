/* Filters of a list page (catalogue, case-sheet index), loaded by those pages only.
 *
 * The page holds everything: the complete list (readable without JavaScript), the
 * form (hidden until this script runs) and each item's facet values in a JSON block,
 * so it works from file:// too. One value per facet; an item is shown when it matches
 * every chosen facet. The state is kept in the query string, so a view can be shared.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-kit-filtres]");
  var source = form && document.getElementById(form.id + "-donnees");
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var selects = Array.prototype.slice.call(form.querySelectorAll("select"));
  var status = form.querySelector("[role=status]");
  var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-kit-item]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-kit-groupe]")).reverse();
  var ids = Object.keys(data.items);

  // The element to hide for an item: its list entry, or the element itself (a map marker).
  function target(node) {
    return node.closest("li") || node;
  }

  function chosen() {
    var filters = {};
    selects.forEach(function (select) {
      if (select.value) filters[select.name] = select.value;
    });
    return filters;
  }

  function matches(id, filters) {
    var values = data.items[id] || {};
    return Object.keys(filters).every(function (key) {
      return (values[key] || []).indexOf(filters[key]) !== -1;
    });
  }

  function say(count, filtered) {
    var m = data.messages;
    var text;
    if (!filtered) text = ids.length === 1 ? m.tous_un : m.tous;
    else if (count === 0) text = m.aucun;
    else if (count === 1) text = m.un;
    else text = m.plusieurs;
    status.textContent = text.replace("{n}", count).replace("{total}", ids.length);
  }

  function setHidden(element, hidden) {
    // SVG elements have no `hidden` property: the attribute works for both.
    if (hidden) element.setAttribute("hidden", "");
    else element.removeAttribute("hidden");
  }

  function remember(filters) {
    var params = new URLSearchParams(window.location.search);
    data.facets.forEach(function (key) {
      if (filters[key]) params.set(key, filters[key]);
      else params.delete(key);
    });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    try {
      window.history.replaceState(null, "", url);
    } catch (error) {
      // Some browsers refuse history changes on file:// pages: the filters still work.
    }
  }

  function apply(save) {
    var filters = chosen();
    var shown = {};
    var count = 0;
    ids.forEach(function (id) {
      shown[id] = matches(id, filters);
      if (shown[id]) count += 1;
    });
    nodes.forEach(function (node) {
      setHidden(target(node), !shown[node.getAttribute("data-kit-item")]);
    });
    groups.forEach(function (group) {
      var visible = Array.prototype.some.call(group.querySelectorAll("[data-kit-item]"), function (node) {
        return !target(node).hasAttribute("hidden");
      });
      setHidden(group, !visible);
      // The table of contents follows: a hidden section's heading leaves it too.
      var heading = group.querySelector("h2[id], h3[id]");
      if (!heading) return;
      document.querySelectorAll('.md-nav--secondary a[href="#' + heading.id + '"]').forEach(function (entry) {
        setHidden(entry.closest("li"), !visible);
      });
    });
    // On the map, a region stays highlighted while one of its sheets is shown.
    document.querySelectorAll("[data-kit-fiches]").forEach(function (region) {
      var lit = region.getAttribute("data-kit-fiches").split(" ").some(function (id) { return shown[id]; });
      region.classList.toggle("kit-carte__region--fiches", lit);
    });
    say(count, Object.keys(filters).length > 0);
    if (save) remember(filters);
  }

  // Restore a shared view: only values offered by the form are taken.
  var params = new URLSearchParams(window.location.search);
  selects.forEach(function (select) {
    var wanted = params.get(select.name);
    if (wanted && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
      select.value = wanted;
    }
  });
  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(function () { apply(true); }, 0); });
  form.hidden = false;
  apply(false);
})();
