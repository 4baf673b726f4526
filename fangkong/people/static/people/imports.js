// An import's page follows the worker: it reads where the import stands every second, moves
// the bar, and shows the page again (its preview, errors or result) once the import stops.
(function () {
  "use strict";
  function follow(card) {
    var bar = document.getElementById("import-progress");
    var done = document.getElementById("import-rows-done");
    var total = document.getElementById("import-rows-total");
    var label = document.getElementById("import-status-label");
    function tick() {
      fetch(card.getAttribute("data-progress-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          bar.value = body.percent;
          bar.textContent = body.percent + " %";
          label.textContent = body.status_label;
          done.textContent = body.rows_done;
          total.textContent = body.rows_total;
          card.setAttribute("data-status", body.status);
          if (body.moving) { window.setTimeout(tick, 1000); } else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, 500);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var card = document.getElementById("import-status");
    if (card && card.getAttribute("data-moving") === "1") { follow(card); }
  });
})();
