/* The declaration form, better with JavaScript: a conditional section appears when its answer is given,
   an answer some prefill depends on fills the page in again as soon as it is chosen,
   a commune list shows the communes of the chosen province, money reads with thousand separators.
   Everything works without it (the server shows every section and every commune, grouped by province). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-declaration]");
  if (!form) { return; }
  form.classList.add("js");

  function inputs(name) {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
  }

  // The answer a field gives now, as the page posts it: "true"/"false" for yes/no, the code, the text.
  function valueOf(name) {
    var value = null;
    inputs(name).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { value = el.value; }
      } else if (el.type === "hidden") {
        if (value === null) { value = el.value; }
      } else {
        value = el.value;
      }
    });
    return value;
  }

  function holds(cond) {
    var value = valueOf(cond.field);
    if (Object.prototype.hasOwnProperty.call(cond, "equals")) { return value === String(cond.equals); }
    if (cond["in"]) { return cond["in"].map(String).indexOf(value) !== -1; }
    return Boolean(value);
  }

  function refresh() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-if]"), function (wrap) {
      var cond;
      try { cond = JSON.parse(wrap.getAttribute("data-show-if")); } catch (e) { return; }
      var show = holds(cond);
      if (wrap.hidden === show) { wrap.hidden = !show; }
    });
  }

  function filterCommunes(select) {
    var parent = inputs(select.getAttribute("data-parent-field"))[0];
    if (!parent) { return; }
    var chosen = parent.value;
    Array.prototype.forEach.call(select.querySelectorAll("option[data-parent]"), function (option) {
      var out = Boolean(chosen) && option.getAttribute("data-parent") !== chosen;
      option.hidden = out;
      option.disabled = out;  // iOS Safari ignores hidden options
      if (out && option.selected) { select.value = ""; }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = Array.prototype.every.call(group.children, function (o) { return o.hidden; });
    });
  }

  function communes() { return Array.prototype.slice.call(form.querySelectorAll("select[data-parent-field]")); }

  function formatMoney(input) {
    var digits = input.value.replace(/[\s.,]|đồng|đ/gi, "");
    if (/^\d+$/.test(digits)) { input.value = digits.replace(/\B(?=(\d{3})+(?!\d))/g, "."); }
  }

  form.addEventListener("change", function (event) {
    // An answer some prefill depends on (who the applicant is to the child): the server fills in again.
    var refill = form.querySelector('button[name=_refill][value="' + event.target.name + '"]');
    if (refill) {
      if (form.requestSubmit) { form.requestSubmit(refill); } else { refill.click(); }
      return;
    }
    refresh();
    communes().forEach(function (select) {
      if (event.target.name === select.getAttribute("data-parent-field")) { filterCommunes(select); }
    });
  });
  form.addEventListener("focusout", function (event) {
    if (event.target.classList && event.target.classList.contains("dc-money")) { formatMoney(event.target); }
  });
  // Rows of a repeatable group added and removed in place (without JavaScript the buttons save and reload).
  function renumber(node, from, to) {
    var dotted = new RegExp("^" + from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(?=\\.|-|$)");
    var dashed = "f-" + from.replace(/\./g, "-");
    ["name", "id", "for", "data-item", "aria-describedby", "aria-labelledby"].forEach(function (attr) {
      Array.prototype.forEach.call(node.querySelectorAll("[" + attr + "]"), function (el) {
        var parts = el.getAttribute(attr).split(" ").map(function (part) {
          return part.replace(dotted, to).split(dashed).join("f-" + to.replace(/\./g, "-"));
        });
        el.setAttribute(attr, parts.join(" "));
      });
    });
    Array.prototype.forEach.call(node.querySelectorAll("[data-show-if]"), function (el) {
      el.setAttribute("data-show-if", el.getAttribute("data-show-if").split('"' + from + ".").join('"' + to + "."));
    });
  }

  function relabel(group) {
    Array.prototype.forEach.call(group.querySelectorAll(":scope > .dc-item > legend .dc-item-number"), function (el, i) {
      el.textContent = String(i + 1);
    });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=_add], button[name=_remove]");
    if (!button) { return; }
    if (button.name === "_remove") {
      var item = button.closest(".dc-item");
      var owner = item && item.closest(".dc-repeat");
      if (!owner) { return; }
      event.preventDefault();
      item.remove();
      relabel(owner);
      owner.focus();
      return;
    }
    var group = form.querySelector('.dc-repeat[data-repeat="' + button.value + '"]');
    var items = group ? group.querySelectorAll(":scope > .dc-item") : [];
    var max = group ? parseInt(group.getAttribute("data-max") || "0", 10) : 0;
    if (!items.length || (max && items.length >= max)) { return; }  // the server's way
    event.preventDefault();
    var last = items[items.length - 1];
    var copy = last.cloneNode(true);
    var next = 0;
    Array.prototype.forEach.call(items, function (it) {
      var index = parseInt(it.getAttribute("data-item").split(".").pop(), 10);
      if (index >= next) { next = index + 1; }
    });
    renumber(copy, last.getAttribute("data-item"), button.value + "." + next);
    copy.setAttribute("data-item", button.value + "." + next);
    copy.id = "f-" + (button.value + "." + next).replace(/\./g, "-");
    copy.classList.add("is-blank");
    Array.prototype.forEach.call(copy.querySelectorAll(".errorlist"), function (el) { el.remove(); });
    Array.prototype.forEach.call(copy.querySelectorAll(".has-error"), function (el) { el.classList.remove("has-error"); });
    Array.prototype.forEach.call(copy.querySelectorAll("input, select, textarea"), function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("autofocus");
      if (el.type === "radio" || el.type === "checkbox") { el.checked = false; }
      else if (el.type !== "hidden") { el.value = ""; }
    });
    Array.prototype.forEach.call(copy.querySelectorAll(".dc-remove"), function (el) { el.value = copy.getAttribute("data-item"); });
    last.parentNode.insertBefore(copy, last.nextSibling);
    relabel(group);
    if (max && items.length + 1 >= max) { button.hidden = true; }
    var first = copy.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  });

  refresh();
  communes().forEach(filterCommunes);
  var summary = document.getElementById("error-summary");
  if (summary && !form.querySelector("[autofocus]")) { summary.focus(); }
}());
