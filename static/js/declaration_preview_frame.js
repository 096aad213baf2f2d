/* Inside the version admin's preview frame: tell the admin page how tall the preview is (the sandbox keeps the
   page from reading it), and send no form from here (the sandbox blocks it too; the buttons stay quiet). */
(function () {
  "use strict";
  function tell() {
    // The body's own height: the document's is never less than the frame's, so the frame could not shrink.
    window.parent.postMessage({ dcPreviewHeight: document.body.getBoundingClientRect().height }, "*");
  }
  document.addEventListener("submit", function (event) { event.preventDefault(); }, true);
  if (window.ResizeObserver) { new ResizeObserver(tell).observe(document.body); }
  window.addEventListener("load", tell);
  tell();
}());
