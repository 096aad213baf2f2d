/* The version admin's live preview of the declaration: once the administrator stops typing (400 ms) and both
   documents are JSON, they are posted to the cases app's preview (its URL in data-url), which answers the page
   the applicant would see at step 2, or what to correct; it is shown in a sandboxed frame (no script of it
   reaches the admin, no form of it is sent). A read-only version is previewed once, from its laid-out text. */
(function () {
  "use strict";
  var DELAY = 400;

  function setUp(panel) {
    var frame = panel.querySelector("[data-preview-frame]");
    var status = panel.querySelector("[data-preview-status]");
    var example = panel.querySelector("[data-preview-example]");
    var messages = {};
    try { messages = JSON.parse(panel.getAttribute("data-messages") || "{}"); } catch (e) { messages = {}; }
    var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = null, sent = null, controller = null, turn = 0;

    function source(name) {
      return document.querySelector('textarea[name="' + name + '"]') ||
        document.querySelector('[data-json-source="' + name + '"]');
    }
    var schemaBox = source(panel.getAttribute("data-schema-field"));
    var uiBox = source(panel.getAttribute("data-ui-field"));
    if (!schemaBox || !uiBox) { return; }

    function text(box) { return box.tagName === "TEXTAREA" ? box.value : box.textContent; }

    function parses(value) { return !window.DvcJSON || window.DvcJSON.check(value).ok; }

    function say(key, kind) {
      status.textContent = key ? messages[key] || "" : "";
      status.className = "dc-admin-preview-status" + (kind ? " is-" + kind : "");
    }

    function update() {
      var schema = text(schemaBox), ui = text(uiBox), withExample = Boolean(example && example.checked);
      if (!parses(schema) || !parses(ui)) {
        say("waiting", "waiting");
        panel.classList.add("is-stale");
        return;
      }
      var key = JSON.stringify([schema, ui, withExample]);
      if (key === sent) { return; }
      sent = key;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      var mine = (turn += 1);
      var body = new FormData();
      body.append("form_schema", schema);
      body.append("form_ui", ui);
      body.append("version", panel.getAttribute("data-version") || "");
      if (withExample) { body.append("example", "1"); }
      say("updating", "busy");
      fetch(panel.getAttribute("data-url"), {
        method: "POST", body: body, credentials: "same-origin", redirect: "error",
        headers: { "X-CSRFToken": csrf ? csrf.value : "", "X-Requested-With": "XMLHttpRequest" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.text().then(function (page) { return { response: response, page: page }; });
      }).then(function (answer) {
        if (mine !== turn) { return; }
        var code = answer.response.status;
        if (code === 200 || code === 400 || code === 413) {
          frame.srcdoc = answer.page;
          panel.classList.remove("is-stale");
          say("", "");
        } else {
          sent = null;
          say(code === 403 ? "refused" : "failed", "error");
        }
      }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        if (mine === turn) { sent = null; say("failed", "error"); }
      });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(update, DELAY);
    }

    [schemaBox, uiBox].forEach(function (box) { box.addEventListener("input", later); });
    if (example) { example.addEventListener("change", update); }
    // The frame says how tall its page is (it cannot be read from here: the sandbox gives it no origin).
    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow || !event.data || typeof event.data.dcPreviewHeight !== "number") { return; }
      frame.style.height = Math.max(120, Math.ceil(event.data.dcPreviewHeight) + 2) + "px";
    });
    update();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-declaration-preview]"), setUp);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
