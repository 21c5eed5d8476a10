// Report pages: load the counts of a large scope after the first page has answered.
// Without scripts the page offers a link that shows them inline. No inline scripts (CSP).
(function () {
  "use strict";
  var pending = document.querySelector("#report-summary[data-summary-url]");
  if (!pending || !window.fetch) {
    return;
  }
  fetch(pending.getAttribute("data-summary-url"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    })
    .then(function (html) {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#report-summary");
      if (fresh) {
        pending.replaceWith(fresh);
      }
    })
    .catch(function () {
      pending.removeAttribute("aria-busy");
    });
})();
