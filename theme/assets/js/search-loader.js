/* Search box: opens on / s f, and loads the search (lunr.js, French stemmer, the
 * interface, then the index) only when the reader reaches for it, so that pages cost
 * nothing more whatever the size of the catalogue. <script> tags, not fetch: they
 * also work from file://. The rest is in assets/search/search.js. */
(function () {
  "use strict";
  var root = new URL("../../", document.currentScript.src).href; // this file is assets/js/…
  var files = ["assets/vendor/lunr/lunr.min.js", "assets/vendor/snowball/french-stemmer.js",
    "assets/search/search.js", "search/index.js"];
  var form = document.forms.namedItem("kit-search");
  var toggle = document.getElementById("__search");
  if (!form || !toggle) return;
  var input = form.querySelector(".md-search__input");
  var started = false;
  var quiet = false; // Esc gives the focus back to the box without opening it again

  function load() {
    if (started) return;
    started = true;
    files.forEach(function (file) {
      var script = document.createElement("script");
      script.src = root + file;
      script.async = false; // run in this order
      script.onerror = function () {
        document.querySelector(".md-search-result__meta").textContent =
          "Recherche indisponible : le fichier " + file + " manque (reconstruisez le site).";
      };
      document.head.appendChild(script);
    });
  }

  // The box is a combobox: it says whether its results are shown.
  function setOpen(open) {
    toggle.checked = open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function focusClosed() {
    quiet = true;
    input.focus();
    quiet = false;
  }

  window.kitSearchLoader = { root: root, load: load, focusClosed: focusClosed, setOpen: setOpen };
  input.addEventListener("focus", function () {
    if (quiet) return;
    setOpen(true);
    load();
  });
  input.addEventListener("input", function () {
    setOpen(true);
    load();
  });
  toggle.addEventListener("change", function () {
    input.setAttribute("aria-expanded", toggle.checked ? "true" : "false");
    if (toggle.checked) input.focus();
  });
  // Tab out of the box and its results: it closes, as a click outside does. Here, not in
  // search.js: on a slow phone a Tab may leave the box before search.js has loaded, and the
  // open box would then dim the page and cover the focused link.
  var search = document.querySelector(".md-search");
  var output = document.querySelector(".md-search__output");
  search.addEventListener("focusout", function (event) {
    var next = event.relatedTarget;
    if (toggle.checked && next && !form.contains(next) && !(output && output.contains(next))) setOpen(false);
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Escape" && toggle.checked && !window.kitSearch) { // search.js handles it once loaded
      setOpen(false);
      focusClosed();
      return;
    }
    if (toggle.checked || event.ctrlKey || event.metaKey || event.altKey || target.isContentEditable ||
        /^(input|select|textarea)$/i.test(target.tagName)) return;
    if (event.key === "/" || event.key === "s" || event.key === "f") {
      event.preventDefault();
      setOpen(true);
      input.focus();
      input.select();
    }
  });
})();
