// The Import page: show only the options of the chosen kind of file, and follow a check or an
// import while it runs. Every page works without this file. No inline scripts (CSP).
(function () {
  "use strict";

  var POLL_MS = 1000;

  // The delta option is OneRoster's, "create masters" is Ed-Fi's: show the chosen kind's.
  var form = document.getElementById("import-form");
  if (form) {
    var radios = form.querySelectorAll("input[name=format]");
    var showOptions = function () {
      var chosen = form.querySelector("input[name=format]:checked");
      var kind = chosen ? chosen.value : "oneroster";
      Array.prototype.forEach.call(form.querySelectorAll(".import-oneroster-only"), function (el) {
        el.classList.toggle("d-none", kind !== "oneroster");
      });
      Array.prototype.forEach.call(form.querySelectorAll(".import-edfi-only"), function (el) {
        el.classList.toggle("d-none", kind !== "edfi");
      });
    };
    Array.prototype.forEach.call(radios, function (radio) { radio.addEventListener("change", showOptions); });
    showOptions();
  }

  // While a check or an import runs: read its status every second, move the bar, and reload the
  // page once it has moved on (the summary, the result or the refusal is on the page then).
  var box = document.getElementById("import-status");
  if (!box || box.getAttribute("data-moving") !== "true") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var initial = box.getAttribute("data-status");
  var bar = document.getElementById("import-progress-bar");
  var text = document.getElementById("import-progress-text");
  var badge = document.getElementById("import-status-badge");

  function describe(state) {
    if (!state.what) {
      return state.status_label + "…";
    }
    var words = state.what.charAt(0).toUpperCase() + state.what.slice(1);
    if (state.total) {
      return words + ": " + state.done + " of " + state.total;
    }
    return state.done ? words + ": " + state.done : words;
  }

  var timer = window.setInterval(function () {
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (state.status !== initial) {
          window.clearInterval(timer);
          window.location.reload();
          return;
        }
        if (badge) {
          badge.textContent = state.status_label;
        }
        if (bar) {
          if (state.total) {
            bar.max = state.total;
            bar.value = state.done;
          } else {
            bar.removeAttribute("value");
          }
        }
        if (text) {
          text.textContent = describe(state);
        }
      })
      .catch(function () {
        window.clearInterval(timer);
      });
  }, POLL_MS);
})();
