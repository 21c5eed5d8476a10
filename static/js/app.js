// Small enhancements; every page works without them. No inline scripts (CSP).
(function () {
  "use strict";

  // Toolbar: a calendar names its own year and school, so picking a year or a
  // school clears an explicit calendar choice.
  var toolbar = document.getElementById("toolbar-form");
  if (toolbar) {
    var calendar = toolbar.querySelector("select[name=calendar]");
    ["year", "school"].forEach(function (name) {
      var select = toolbar.querySelector("select[name=" + name + "]");
      if (select && calendar) {
        select.addEventListener("change", function () { calendar.value = ""; });
      }
    });
  }
})();
