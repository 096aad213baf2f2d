/* The admin's JSON editor (procedures.widgets.JSONEditor): line numbers, the syntax error under the field with
   its line and column as the administrator types, a button that lays the document out again (indent 2, keys in
   the order written: JSON.parse would move keys such as "1" first, so this file has its own parser).
   window.DvcJSON.check(text) is what the declaration preview asks before it sends a document. */
(function () {
  "use strict";

  // --- the parser: a tree that keeps keys in order and tokens as written, or where and why it stops --------
  function Fail(key, at, params) { this.key = key; this.at = at; this.params = params || {}; }

  function parse(text) {
    var i = 0, n = text.length, duplicates = [];

    function ws() {
      while (i < n) {
        var c = text.charCodeAt(i);
        if (c === 32 || c === 9 || c === 10 || c === 13) { i += 1; } else { break; }
      }
      if (text[i] === "/" && (text[i + 1] === "/" || text[i + 1] === "*")) { throw new Fail("comment", i); }
    }

    function string() {
      var start = i;
      i += 1;
      while (i < n) {
        var c = text[i];
        if (c === "\"") { i += 1; return { t: "s", raw: text.slice(start, i) }; }
        if (c === "\\") {
          var next = text[i + 1];
          if (next === "u") {
            if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { throw new Fail("escape", i); }
            i += 6;
          } else if (next !== undefined && "\"\\/bfnrt".indexOf(next) !== -1) {
            i += 2;
          } else {
            throw new Fail("escape", i);
          }
          continue;
        }
        if (c === "\n" || c === "\r") { throw new Fail("string", start); }  // most often a quote left out
        if (text.charCodeAt(i) < 32) { throw new Fail("control", i); }
        i += 1;
      }
      throw new Fail("string", start);
    }

    var NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

    function number() {
      NUMBER.lastIndex = i;
      var found = NUMBER.exec(text);
      if (!found || found[0] === "-" || /[0-9A-Za-z.+\-_]/.test(text[i + found[0].length] || "")) {
        throw new Fail("number", i);
      }
      i += found[0].length;
      return { t: "n", raw: found[0] };
    }

    function value() {
      ws();
      if (i >= n) { throw new Fail("end", i); }
      var c = text[i];
      if (c === "{") { return object(); }
      if (c === "[") { return array(); }
      if (c === "\"") { return string(); }
      if (c === "'") { throw new Fail("quote", i); }
      if (c === "-" || (c >= "0" && c <= "9")) { return number(); }
      var word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 40));
      if (word) {
        if (word[0] === "true" || word[0] === "false" || word[0] === "null") {
          i += word[0].length;
          return { t: "l", raw: word[0] };
        }
        throw new Fail("word", i, { word: word[0] });
      }
      throw new Fail("value", i);
    }

    function object() {
      var node = { t: "o", entries: [], at: i }, seen = Object.create(null), comma = -1;
      i += 1;
      ws();
      if (text[i] === "}") { i += 1; return node; }
      for (;;) {
        ws();
        if (i >= n) { throw new Fail("end", i); }
        if (text[i] === "}" && comma !== -1) { throw new Fail("trailing", comma); }
        if (text[i] === "'") { throw new Fail("quote", i); }
        if (text[i] !== "\"") { throw new Fail("key", i); }
        var keyAt = i, key = string(), name = JSON.parse(key.raw);
        if (seen[name]) { duplicates.push({ at: keyAt, key: name }); }
        seen[name] = true;
        ws();
        if (i >= n) { throw new Fail("end", i); }
        if (text[i] !== ":") { throw new Fail("colon", i); }
        i += 1;
        var item = value(), end = i;
        node.entries.push([key, item]);
        ws();
        if (i >= n) { throw new Fail("end", i); }
        if (text[i] === "}") { i += 1; return node; }
        if (text[i] !== ",") { throw new Fail("object", end); }  // where the comma belongs
        comma = i;
        i += 1;
      }
    }

    function array() {
      var node = { t: "a", items: [] }, comma = -1;
      i += 1;
      ws();
      if (text[i] === "]") { i += 1; return node; }
      for (;;) {
        ws();
        if (text[i] === "]" && comma !== -1) { throw new Fail("trailing", comma); }
        node.items.push(value());
        var end = i;
        ws();
        if (i >= n) { throw new Fail("end", i); }
        if (text[i] === "]") { i += 1; return node; }
        if (text[i] !== ",") { throw new Fail("array", end); }
        comma = i;
        i += 1;
      }
    }

    try {
      ws();
      if (i >= n) { return { ok: true, empty: true, duplicates: [] }; }  // empty: {} (no declaration)
      var root = value();
      ws();
      if (i < n) { throw new Fail("extra", i); }
      return { ok: true, tree: root, duplicates: duplicates };
    } catch (error) {
      if (error instanceof Fail) { return { ok: false, key: error.key, at: error.at, params: error.params }; }
      if (error instanceof RangeError) { return { ok: false, key: "value", at: i, params: {} }; }  // too deep
      throw error;
    }
  }

  // Laid out as Python's json.dumps(indent=2) lays it out, tokens as written.
  function print(node, indent) {
    var inner = indent + "  ";
    if (node.t === "o") {
      if (!node.entries.length) { return "{}"; }
      return "{\n" + node.entries.map(function (entry) {
        return inner + entry[0].raw + ": " + print(entry[1], inner);
      }).join(",\n") + "\n" + indent + "}";
    }
    if (node.t === "a") {
      if (!node.items.length) { return "[]"; }
      return "[\n" + node.items.map(function (item) { return inner + print(item, inner); }).join(",\n") +
        "\n" + indent + "]";
    }
    return node.raw;
  }

  function position(text, at) {
    var before = text.slice(0, at), line = before.split("\n").length;
    return { line: line, column: at - before.lastIndexOf("\n") };
  }

  function fill(template, params) {
    return String(template).replace(/%\((\w+)\)s/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(params, name) ? params[name] : all;
    });
  }

  window.DvcJSON = { check: parse, format: function (tree) { return print(tree, ""); }, position: position };

  // --- the editor ---------------------------------------------------------------------------------------
  function setText(textarea, text) {
    // Through the editing commands when the browser has them, so that Ctrl+Z undoes a reformat.
    textarea.focus();
    textarea.select();
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || textarea.value !== text) {
      textarea.value = text;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function insert(textarea, text) {
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done) {
      textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function setUp(box) {
    var textarea = box.querySelector("[data-json-editor-input]");
    var lines = box.querySelector("[data-json-lines]");
    var errorBox = box.querySelector("[data-json-error]");
    var state = box.querySelector("[data-json-state]");
    var button = box.querySelector("[data-json-format]");
    var messages = {};
    try { messages = JSON.parse(box.getAttribute("data-messages") || "{}"); } catch (e) { messages = {}; }
    var timer = null, shownLines = 0, last = null;

    function numberLines() {
      var count = textarea.value.split("\n").length;
      if (count !== shownLines) {
        var out = [];
        for (var k = 1; k <= count; k += 1) { out.push(k); }
        lines.textContent = out.join("\n") + "\n";
        shownLines = count;
      }
      lines.scrollTop = textarea.scrollTop;
    }

    function goTo(at) {
      var where = position(textarea.value, at);
      textarea.focus();
      textarea.setSelectionRange(at, Math.min(at + 1, textarea.value.length));
      var height = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
      textarea.scrollTop = Math.max(0, (where.line - 4) * height);
      numberLines();
    }

    function show() {
      var text = textarea.value;
      if (text === last) { return; }
      last = text;
      var result = parse(text);
      errorBox.textContent = "";
      errorBox.className = "json-editor-error";
      if (!result.ok) {
        var where = position(text, result.at);
        var reason = fill(messages[result.key] || result.key, result.params);
        var message = document.createElement("span");
        message.textContent = fill(messages.at, { line: where.line, column: where.column, reason: reason });
        var go = document.createElement("button");
        go.type = "button";
        go.className = "json-editor-go";
        go.textContent = messages.go;
        go.addEventListener("click", function () { goTo(result.at); });
        errorBox.appendChild(message);
        errorBox.appendChild(document.createTextNode(" "));
        errorBox.appendChild(go);
        errorBox.classList.add("is-error");
        textarea.setAttribute("aria-invalid", "true");
        state.textContent = "";
        return;
      }
      textarea.removeAttribute("aria-invalid");
      state.textContent = result.empty ? "" : "✓ " + messages.valid;
      if (result.duplicates.length) {
        errorBox.classList.add("is-warning");
        result.duplicates.slice(0, 3).forEach(function (dup) {
          var p = document.createElement("span");
          p.textContent = fill(messages.duplicate, { line: position(text, dup.at).line, key: dup.key });
          errorBox.appendChild(p);
        });
      }
    }

    textarea.addEventListener("input", function () {
      numberLines();
      clearTimeout(timer);
      timer = setTimeout(show, 300);
    });
    textarea.addEventListener("scroll", function () { lines.scrollTop = textarea.scrollTop; });
    textarea.addEventListener("keydown", function (event) {
      // Enter keeps the line's indent (two spaces more after an opening brace or bracket).
      if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) { return; }
      var text = textarea.value, caret = textarea.selectionStart;
      var lineStart = text.lastIndexOf("\n", caret - 1) + 1;
      var indent = /^[ \t]*/.exec(text.slice(lineStart, caret))[0];
      var before = text.slice(lineStart, caret).replace(/\s+$/, "");
      if (/[{[]$/.test(before)) { indent += "  "; }
      event.preventDefault();
      insert(textarea, "\n" + indent);
    });
    button.addEventListener("click", function () {
      var result = parse(textarea.value);
      if (!result.ok) { last = null; show(); goTo(result.at); return; }
      if (result.empty) { return; }
      setText(textarea, print(result.tree, ""));
      textarea.setSelectionRange(0, 0);
      textarea.scrollTop = 0;
      numberLines();
      show();
    });

    box.classList.add("js");
    button.hidden = false;
    lines.hidden = false;
    numberLines();
    show();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-json-editor]"), setUp);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
