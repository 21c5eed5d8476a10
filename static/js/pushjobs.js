// The push tools' small enhancements; every page works without them. No inline scripts (CSP).
(function () {
  "use strict";

  var POLL_MS = 2000;

  // Live progress: while a job runs, re-read a fragment of the page (a template partial)
  // and put it in place. The fragment says whether anything still moves (data-active).
  function poll(container, markerSelector, whenSettled) {
    var url = container.getAttribute("data-poll-url");
    function moving() {
      var marker = container.querySelector(markerSelector);
      return marker !== null && marker.getAttribute("data-active") === "true";
    }
    if (!url || !moving()) {
      return;
    }
    var timer = window.setInterval(function () {
      // A form being filled in inside the fragment is not replaced under the user's hands.
      if (container.contains(document.activeElement) && document.activeElement.tagName === "INPUT") {
        return;
      }
      window.fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          container.innerHTML = html;
          if (!moving()) {
            window.clearInterval(timer);
            if (whenSettled) {
              whenSettled();
            }
          }
        })
        .catch(function () {
          window.clearInterval(timer);
        });
    }, POLL_MS);
  }

  var queue = document.getElementById("queue-table");
  if (queue) {
    poll(queue, ".queue-rows");
  }

  var jobStatus = document.getElementById("job-status");
  if (jobStatus) {
    // The job finished: reload once to show its report rows and the actions that now apply.
    poll(jobStatus, ".job-status", function () { window.location.reload(); });
  }

  // The year filters the catalogs: pick one and the page shows that year's catalogs.
  var yearForm = document.getElementById("push-year-form");
  if (yearForm) {
    var yearSelect = yearForm.querySelector("select[name=year]");
    var apply = yearForm.querySelector(".push-year-apply");
    if (apply) {
      apply.classList.add("d-none");
    }
    if (yearSelect) {
      yearSelect.addEventListener("change", function () { yearForm.submit(); });
    }
  }

  // Calendars: show those whose school uses the chosen catalog.
  var pushForm = document.getElementById("push-masters-form");
  if (pushForm) {
    var catalog = pushForm.querySelector("select[name=catalog]");
    var showCalendars = function () {
      var boxes = pushForm.querySelectorAll("input[name=calendars]");
      Array.prototype.forEach.call(boxes, function (box) {
        var wrapper = box.closest(".form-check");
        var hide = catalog.value !== "" && box.getAttribute("data-catalog") !== catalog.value;
        if (wrapper) {
          wrapper.classList.toggle("d-none", hide);
        }
      });
      // Beside each "Data to be pushed" box, the chosen catalog's lock only, without its name.
      var locks = pushForm.querySelectorAll(".push-lock[data-catalog]");
      Array.prototype.forEach.call(locks, function (lock) {
        lock.classList.toggle("d-none", catalog.value !== "" && lock.getAttribute("data-catalog") !== catalog.value);
      });
      pushForm.classList.toggle("catalog-chosen", catalog.value !== "");
    };
    if (catalog) {
      catalog.addEventListener("change", showCalendars);
      showCalendars();
    }
  }
})();
