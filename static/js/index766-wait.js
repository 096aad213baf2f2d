/* The 766 dashboard of a period not computed yet: asks the API every ten seconds and reloads the page
   once the figures are stored (the API answers 202 while the workers are counting). */
(function () {
  "use strict";
  var api = document.currentScript.getAttribute("data-api");
  function poll() {
    fetch(api, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (r.status === 200) { window.location.reload(); } else { window.setTimeout(poll, 10000); } })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 10000);
})();
