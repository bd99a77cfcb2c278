// The web admin's only script: keep a live region fresh, and the print button.
(function () {
  "use strict";
  function refresh(region) {
    var url = region.getAttribute("data-live");
    var every = Number(region.getAttribute("data-every") || "3") * 1000;
    function tick() {
      if (document.hidden) { setTimeout(tick, every); return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Live": "1" } })
        .then(function (answer) {
          if (answer.redirected || answer.status === 401) { location.reload(); return null; }
          return answer.ok ? answer.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== undefined && !region.contains(document.activeElement)) {
            region.innerHTML = html;
          }
        })
        .catch(function () { /* the server is away: try again at the next tick */ })
        .finally(function () { setTimeout(tick, every); });
    }
    setTimeout(tick, every);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(refresh);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
