// Tanggap console: while the check of a saved edit is pending, ask for its fragment again every two seconds
// and put the findings beside the edit (the page is correct without this script; a reload shows them too).
(function () {
  "use strict";
  var WAIT_MS = 2000, MAX_TRIES = 90;
  function poll(box, tries) {
    if (box.getAttribute("data-state") !== "pending" || tries > MAX_TRIES) { return; }
    window.setTimeout(function () {
      fetch(box.getAttribute("data-check-url"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (answer) { return answer.ok ? answer.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector(".draft-check");
          if (!fresh) { return; }
          box.replaceWith(fresh);
          poll(fresh, tries + 1);
        })
        .catch(function () { poll(box, tries + 1); });
    }, WAIT_MS);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".draft-check[data-state='pending']").forEach(function (box) { poll(box, 0); });
  });
})();
