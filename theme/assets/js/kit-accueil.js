/* The home's search box (builder/templates/blocks/recherche.md.j2): what is typed there
 * goes to the header's search (search-loader.js), which opens with its results. The box
 * is shown only here, where a script can run it. */
(function () {
  "use strict";
  var form = document.querySelector("form.kit-accueil-recherche");
  var header = document.forms.namedItem("kit-search");
  var toggle = document.getElementById("__search");
  if (!form || !header || !toggle) return;
  var field = form.querySelector("input");
  var input = header.querySelector(".md-search__input");
  form.hidden = false;

  function handOver() {
    input.value = field.value;
    field.value = "";
    toggle.checked = true;
    input.focus();
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  field.addEventListener("input", function () { if (field.value) handOver(); });
  form.addEventListener("submit", function (event) { event.preventDefault(); handOver(); });
})();
