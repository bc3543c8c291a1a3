/* Keyboard use of two of Material's controls (every page).
 * 1. Palette toggle: no radio button is checked until the reader picks a palette, so
 *    with the system's dark scheme Tab landed on the light one's, hidden and misnamed.
 *    Check the palette in force (Material's rule: stored choice, else media query).
 * 2. Small screens' drawer opens with a <label>, out of a keyboard's reach: a button
 *    in it; focus into the drawer when opened, Escape closes it and gives the focus
 *    back. */
(function () {
  var inputs = document.querySelectorAll("input.md-option[name=__palette]");
  if (!inputs.length || Array.prototype.some.call(inputs, function (input) { return input.checked; })) return;
  var stored = typeof __md_get === "function" ? __md_get("__palette") : null;
  var index = stored && typeof stored.index === "number" ? stored.index : Array.prototype.findIndex.call(inputs, function (input) {
    return matchMedia(input.getAttribute("data-md-color-media")).matches;
  });
  inputs[Math.max(0, Math.min(index, inputs.length - 1))].checked = true;
})();
(function () {
  var drawer = document.getElementById("__drawer");
  var label = document.querySelector('.md-header label[for="__drawer"]');
  if (!drawer || !label) return;
  // A real button inside the label (no ARIA role allowed on a <label>): a click on it
  // does not reach the label, so the button toggles the drawer itself.
  var button = document.createElement("button");
  button.type = "button";
  button.className = "kit-menu";
  button.setAttribute("aria-label", "Menu de navigation");
  while (label.firstChild) button.appendChild(label.firstChild);
  label.appendChild(button);
  function expanded() { button.setAttribute("aria-expanded", drawer.checked ? "true" : "false"); }
  expanded();
  button.addEventListener("click", function () { drawer.click(); });
  drawer.addEventListener("change", function () {
    expanded();
    var first = document.querySelector(".md-sidebar--primary a[href]");
    if (drawer.checked && document.activeElement === button && first) first.focus();
  });
  // Inside the drawer, the labels that open the page's contents and go back from a
  // section are not focusable either (Material does it for the sections' ones, whose
  // Enter its bundle handles).
  Array.prototype.forEach.call(document.querySelectorAll('.md-sidebar--primary label.md-nav__link[for="__toc"], .md-sidebar--primary label.md-nav__title:not([for="__drawer"])'), function (item) {
    item.setAttribute("tabindex", "0");
  });
  // Going back from a section hides the label that had the focus: give it to the
  // section's own label instead of losing it.
  Array.prototype.forEach.call(document.querySelectorAll(".md-sidebar--primary input.md-nav__toggle"), function (toggle) {
    toggle.addEventListener("change", function () {
      var opener = document.querySelector('.md-sidebar--primary label.md-nav__link[for="' + toggle.id + '"]');
      if (!toggle.checked && opener && drawer.checked) opener.focus();
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !drawer.checked) return;
    drawer.click();
    button.focus();
  });
})();
