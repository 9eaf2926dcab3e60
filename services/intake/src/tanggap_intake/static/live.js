// Tanggap console: live pages. About once a second, ask the server whether the page's changing part
// (#live) has changed since its version; when it has, the answer is that part as HTML, swapped in here.
// Whatever the officer is working on stays as it is: a field being typed in, an edit not saved, a
// <details> opened. The page is correct without this script; a reload shows the same.
// On the dashboard, a button turns on a sound and a vibration for each new crisis (browsers only allow
// sound after a tap, so it is opt-in and remembered on this device).
(function () {
  "use strict";
  var EVERY_MS = 1000, HIDDEN_MS = 5000, MAX_BACKOFF_MS = 15000, ALERT_KEY = "tanggap.alert";

  function fieldChanged(f) {
    if (f.type === "hidden" || f.type === "submit" || f.type === "button") { return false; }
    if (f.type === "checkbox" || f.type === "radio") { return f.checked !== f.defaultChecked; }
    if (f.tagName === "SELECT") {  // with no option marked selected, the first one is the default
      var marked = Array.prototype.map.call(f.options, function (o) { return o.defaultSelected; });
      var initial = marked.indexOf(true);
      return f.selectedIndex !== (initial < 0 ? 0 : initial);
    }
    return f.value !== f.defaultValue;
  }

  // An element the officer is working in: it is kept, and only its parts with an id are refreshed.
  function busy(el) {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) { return el === document.activeElement || fieldChanged(el); }
    if (el.hasAttribute("data-keep") || el.querySelector("[data-keep]")) { return true; }
    var active = document.activeElement;
    if (active && el.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return true; }
    if (el.matches("details[open]") || el.querySelector("details[open]")) { return true; }
    return Array.prototype.some.call(el.querySelectorAll("input, textarea, select"), fieldChanged);
  }

  function hasIds(el) { return el.id || el.querySelector("[id]"); }

  // Bring `old` up to `fresh`: replaced whole when nobody works in it, else part by part.
  function merge(old, fresh) {
    if (old.isEqualNode(fresh)) { return; }
    if (!busy(old)) { old.replaceWith(fresh); return; }
    var oldKids = Array.prototype.slice.call(old.children);
    var kept = {};
    Array.prototype.forEach.call(fresh.children, function (c) { if (c.id) { kept[c.id] = true; } });
    var last = null;
    Array.prototype.slice.call(fresh.children).forEach(function (child, index) {
      var mine = null;
      if (child.id) {
        mine = oldKids.filter(function (k) { return k.id === child.id; })[0] || null;
        if (!mine) {  // new (a draft, a report): in place after the last one seen
          if (last) { last.after(child); } else { old.prepend(child); }
          last = child;
          return;
        }
      } else if (hasIds(child)) {
        var same = oldKids[index];
        mine = same && !same.id && same.tagName === child.tagName ? same : null;
      }
      if (mine) { merge(mine, child); last = mine.isConnected ? mine : child; }
    });
    // What is gone from the fresh content (a "no drafts yet" line) goes, unless someone works in it.
    oldKids.forEach(function (k) { if (k.id && !kept[k.id] && k.isConnected && !busy(k)) { k.remove(); } });
  }

  var alertOn = false, audio = null;

  function crises(root) {
    var ids = {};
    root.querySelectorAll(".incident-card[data-crisis='yes']").forEach(function (c) { ids[c.id] = true; });
    return ids;
  }

  function ring() {
    if (navigator.vibrate) { navigator.vibrate([300, 150, 300]); }
    if (!audio) { return; }
    var tone = audio.createOscillator(), gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.3, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.8);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.8);
  }

  function showAlertState(button, state) {
    button.setAttribute("aria-pressed", alertOn ? "true" : "false");
    button.textContent = alertOn ? "Matikan bunyi dan getar" : "Nyalakan bunyi dan getar untuk krisis baru";
    state.textContent = alertOn ? "Bunyi dan getar menyala: setiap krisis baru di dasbor ini berbunyi." : "";
  }

  function setUpAlert() {
    var button = document.getElementById("alert-toggle"), state = document.getElementById("alert-state");
    if (!button) { return; }
    button.hidden = false;
    var Context = window.AudioContext || window.webkitAudioContext;
    function enable() {
      alertOn = true;
      if (Context && !audio) { audio = new Context(); }
      if (audio && audio.state === "suspended") { audio.resume(); }
    }
    if (window.localStorage && localStorage.getItem(ALERT_KEY) === "on") {
      enable();
      // The browser starts sound only after a tap on this page: the first tap anywhere unlocks it.
      document.addEventListener("pointerdown", function () { if (audio) { audio.resume(); } }, { once: true });
    }
    showAlertState(button, state);
    button.addEventListener("click", function () {
      if (alertOn) { alertOn = false; } else { enable(); ring(); }
      if (window.localStorage) { localStorage.setItem(ALERT_KEY, alertOn ? "on" : "off"); }
      showAlertState(button, state);
    });
  }

  function start(live) {
    var url = live.getAttribute("data-live-url"), failures = 0, stopped = false;
    var dashboard = live.getAttribute("data-live-kind") === "dashboard";
    function next() {
      if (stopped) { return; }
      var wait = document.hidden ? HIDDEN_MS : EVERY_MS;
      if (failures) { wait = Math.min(MAX_BACKOFF_MS, EVERY_MS * Math.pow(2, failures)); }
      window.setTimeout(ask, wait);
    }
    function stop(message) {
      stopped = true;
      var note = document.createElement("p");
      note.className = "warn";
      note.setAttribute("role", "status");
      note.textContent = message;
      live.before(note);
    }
    function swap(html, version) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var before = dashboard ? crises(live) : {};
      // Each top-level part of the fresh content (they all have an id) goes where its old self was.
      var last = null;
      Array.prototype.slice.call(holder.children).forEach(function (part) {
        var mine = part.id ? document.getElementById(part.id) : null;
        if (mine && live.contains(mine)) {
          merge(mine, part);
          last = document.getElementById(part.id);
        } else if (part.id) {
          if (last) { last.after(part); } else { live.prepend(part); }
          last = part;
        }
      });
      live.setAttribute("data-live-version", version);
      if (dashboard && alertOn) {
        var now = crises(live);
        if (Object.keys(now).some(function (id) { return !before[id]; })) { ring(); }
      }
      document.dispatchEvent(new CustomEvent("tanggap:live"));
    }
    function ask() {
      var version = live.getAttribute("data-live-version") || "";
      fetch(url + "?v=" + encodeURIComponent(version), {
        credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" }
      }).then(function (answer) {
        if (answer.status === 204) { failures = 0; return null; }
        if (answer.status === 401) { stop("Sesi berakhir; halaman ini tidak lagi memperbarui diri. Silakan masuk kembali."); return null; }
        if (answer.status === 404) { stop("Halaman ini tidak lagi tersedia untuk Anda."); return null; }
        if (!answer.ok) { failures += 1; return null; }
        failures = 0;
        var fresh = answer.headers.get("X-Live-Version") || "";
        return answer.text().then(function (html) { swap(html, fresh); });
      }).catch(function () { failures += 1; }).then(next);
    }
    next();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpAlert();
    var live = document.getElementById("live");
    if (live && live.getAttribute("data-live-url")) { start(live); }
  });
})();
