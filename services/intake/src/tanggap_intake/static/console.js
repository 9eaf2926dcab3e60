// Tanggap console: live clocks (the page is correct without this script; it only keeps them ticking).
(function () {
  "use strict";
  function span(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (h >= 48) { return Math.floor(h / 24) + " hari " + (h % 24) + " j"; }
    if (h) { return h + " j " + String(m).padStart(2, "0") + " m"; }
    if (m) { return m + " m " + String(s).padStart(2, "0") + " d"; }
    return s + " d";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-due")) - now) / 1000;
      el.textContent = left >= 0 ? "sisa " + span(left) : "lewat " + span(left);
      el.classList.remove("ok", "soon", "late");
      el.classList.add(left < 0 ? "late" : left < 900 ? "soon" : "ok");
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = span((now - Date.parse(el.getAttribute("data-since"))) / 1000) + " lalu";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
  // Ask before a decision that cannot be undone (approve, reject, close, revoke).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
