// A list of residents narrowed as the people search narrows persons: a prefix of the pinyin or
// of its initials (either reading of a surname), part of the name, or the last four of the
// number. The chosen resident stays in the list whatever is typed.
(function () {
  "use strict";
  function matches(keys, q) {
    if (!q) { return true; }
    var words = keys.split(" ");
    for (var i = 0; i < words.length; i++) {
      if (words[i].indexOf(q) === 0) { return true; }
    }
    return keys.indexOf(q) !== -1 && /[^\x00-\x7f]/.test(q);
  }
  function narrow(box, select, all) {
    var q = box.value.toLowerCase().replace(/\s+/g, "");
    var chosen = select.value;
    var shown = all.filter(function (o) {
      var keys = o.getAttribute("data-search");
      return !keys || o.value === chosen || matches(keys, q);
    });
    select.replaceChildren.apply(select, shown);
    select.value = chosen;
    if (q && shown.length === 2 && !chosen) { select.value = shown[1].value; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.resident-filter").forEach(function (box) {
      var select = document.getElementById(box.getAttribute("data-filters"));
      if (!select) { return; }
      var all = Array.prototype.slice.call(select.options);
      box.addEventListener("input", function () { narrow(box, select, all); });
    });
  });
})();
