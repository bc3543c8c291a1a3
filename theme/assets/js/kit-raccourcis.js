/* Single-key shortcuts (WCAG 2.1.4) and the palette switch (every page).
 * 1. Material binds n . (next page) and p , (previous page): a stray key leaves the
 *    page; they are stopped. Its search keys (s f /) act only when the focus is not in
 *    a field, and the reader can turn them off (remembered in localStorage, switch on
 *    the accessibility page, element #kit-raccourcis).
 * 2. The palette toggle is a radio button: read « coché » in the light theme. A button
 *    that says what it does stands in its label; the radios leave the tab order. */
(function () {
  var KEY = "kit-raccourcis-recherche";
  var PAGE_KEYS = { n: 1, ".": 1, p: 1, ",": 1 };
  var SEARCH_KEYS = { s: 1, f: 1, "/": 1 };
  function searchKeysOn() {
    try { return localStorage.getItem(KEY) !== "non"; } catch (e) { return true; }
  }
  function inField(target) {
    if (!target || !target.tagName) return false;
    return /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) || target.isContentEditable;
  }
  // Capture on window: runs before Material's listener (window, bubbling phase).
  window.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || inField(event.target)) return;
    if (PAGE_KEYS[event.key] || (SEARCH_KEYS[event.key] && !searchKeysOn())) event.stopPropagation();
  }, true);

  var place = document.getElementById("kit-raccourcis");
  if (place) {
    var label = document.createElement("label");
    label.className = "kit-raccourcis";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = searchKeysOn();
    box.addEventListener("change", function () {
      try { localStorage.setItem(KEY, box.checked ? "oui" : "non"); } catch (e) { /* private mode: not kept */ }
    });
    label.appendChild(box);
    label.appendChild(document.createTextNode(" Raccourcis de la recherche (touches s, f et /) activés"));
    place.appendChild(label);
  }
})();
(function () {
  var form = document.querySelector('form[data-md-component="palette"]');
  if (!form) return;
  var labels = form.querySelectorAll("label[for]");
  Array.prototype.forEach.call(form.querySelectorAll("input.md-option"), function (input) {
    input.setAttribute("tabindex", "-1");
    input.setAttribute("aria-hidden", "true");
  });
  Array.prototype.forEach.call(labels, function (label) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "kit-theme";
    button.setAttribute("aria-label", label.getAttribute("title") || "Changer de thème");
    while (label.firstChild) button.appendChild(label.firstChild);
    label.appendChild(button);
    // Enter would also reach Material's own handler on the form (a second switch).
    button.addEventListener("keydown", function (event) { if (event.key === "Enter") event.stopPropagation(); });
    // A click on a button inside a label does not reach the label: choose its palette here.
    button.addEventListener("click", function () {
      var target = document.getElementById(label.getAttribute("for"));
      if (!target) return;
      target.click();
      setTimeout(function () {
        var shown = form.querySelector("label:not([hidden]) button.kit-theme");
        if (shown) shown.focus();
      }, 0);
    });
  });
})();
