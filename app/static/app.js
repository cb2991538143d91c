// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  function toast(message, kind) {
    var box = document.getElementById("toast");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "toast" + (kind ? " " + kind : "");
    p.setAttribute("role", "alert");
    p.textContent = message;
    box.replaceChildren(p);
    setTimeout(function () { if (p.parentNode) p.remove(); }, 6000);
  }
  document.addEventListener("htmx:sendError", function () {
    toast("网络连接中断，内容未提交。请检查网络后重试。", "error");
  });
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.xhr && evt.detail.xhr.status >= 500) toast("服务器出错，内容可能未保存，请稍后重试。", "error");
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    var t = evt.detail.target;
    if (t && t.id === "toast") setTimeout(function () { t.replaceChildren(); }, 6000);
  });
  // copy buttons (tokens, TOTP secrets)
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest("[data-copy]");
    if (!btn) return;
    var el = document.getElementById(btn.getAttribute("data-copy"));
    if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim()).then(function () { toast("已复制"); });
  });
  // the phone menu folds away when the person taps elsewhere or presses Escape
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (evt) {
    closeMenus(evt.target.closest ? evt.target.closest("details.menu") : null);
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (!open) return;
    open.removeAttribute("open");
    var summary = open.querySelector("summary");
    if (summary) summary.focus();
  });
  // filters: leave empty fields out of GET requests, so the address stays short and a blank
  // choice such as "全部单位" means "no filter" rather than an empty value
  document.addEventListener("htmx:configRequest", function (evt) {
    if (evt.detail.verb !== "get") return;
    var params = evt.detail.parameters;
    if (params instanceof FormData) {
      Array.from(params.keys()).forEach(function (key) {
        if (params.getAll(key).every(function (v) { return v === ""; })) params.delete(key);
      });
    } else if (params) {
      Object.keys(params).forEach(function (key) { if (params[key] === "") delete params[key]; });
    }
  });
  // let the authenticator QR code shrink to a narrow screen: give its SVG a viewBox
  document.querySelectorAll(".qr svg").forEach(function (svg) {
    if (!svg.getAttribute("viewBox")) {
      var w = parseFloat(svg.getAttribute("width")), h = parseFloat(svg.getAttribute("height"));
      if (!(w > 0 && h > 0)) return;
      svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    }
    svg.classList.add("fit");
  });
  // the unit field (components/unit_search.html): a combobox whose list box htmx fills as one types.
  // Arrow keys move through the options, Enter or a tap takes one, Escape closes the list; the chosen
  // unit's id goes into the field's hidden input (unit_id in the list filters, whose change event sends
  // the form). A field of several units (data-unit-chips) adds the unit taken as one more chip instead.
  function unitField(el) {
    var box = el && el.closest ? el.closest("[data-unit-search]") : null;
    if (!box) return null;
    var chips = box.getAttribute("data-unit-chips");
    return { box: box, input: box.querySelector("[role=combobox]"), value: box.querySelector(".unit-value"),
      popup: box.querySelector(".unit-popup"), chips: chips ? document.getElementById(chips) : null };
  }
  function unitChosen(u) { return !!(u.value && u.value.value); }
  function unitSay(u, message) {
    var status = document.getElementById(u.input.id + "-status");
    if (status) status.textContent = message;
  }
  function unitOptions(u) { return Array.from(u.popup.querySelectorAll("[role=option]")); }
  function unitShow(u, open) {
    u.popup.hidden = !open;
    u.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) unitActivate(u, null);
  }
  function unitActivate(u, option) {
    unitOptions(u).forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      u.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      u.input.removeAttribute("aria-activedescendant");
    }
  }
  function unitSet(u, id, name) {
    var changed = u.value.value !== id;
    u.value.value = id;
    if (id) {
      u.value.setAttribute("data-id", id);
      u.value.setAttribute("data-name", name);
    } else {
      u.value.removeAttribute("data-id");
      u.value.removeAttribute("data-name");
    }
    var error = u.box.querySelector(".field-error");  // a message about a typed name no longer applies
    if (error) {
      error.remove();
      u.input.removeAttribute("aria-invalid");
      u.input.removeAttribute("aria-describedby");
    }
    if (changed) u.value.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function unitChoose(u, option) {
    if (u.chips) {
      unitAddChip(u, option.getAttribute("data-id"), option.getAttribute("data-name"));
      return;
    }
    u.input.value = option.getAttribute("data-name");
    unitShow(u, false);
    unitSet(u, option.getAttribute("data-id"), u.input.value);
    var form = u.box.closest("form");  // a choice among scopes that has "one unit": that one
    var scope = form ? form.querySelector("select[data-unit-scope]") : null;
    if (scope) scope.value = scope.getAttribute("data-unit-scope");
  }
  function unitAddChip(u, id, name) {
    var boxes = Array.from(u.chips.querySelectorAll("input[type=checkbox]"));
    var same = boxes.filter(function (b) { return b.value === id; })[0];
    var limit = parseInt(u.box.getAttribute("data-chip-limit") || "0", 10);
    var ticked = boxes.filter(function (b) { return b.checked; }).length;
    unitShow(u, false);
    if (same) {
      same.checked = true;
      u.input.value = "";
      unitSay(u, name + " 已选");
      return;
    }
    if (limit && ticked >= limit) {
      unitSay(u, "最多选 " + limit + " 个，请先取消勾选一个");
      return;
    }
    var item = document.createElement("li"), label = document.createElement("label"), box = document.createElement("input");
    label.className = "chip";
    box.type = "checkbox";
    box.name = u.box.getAttribute("data-chip-name");
    box.value = id;
    box.checked = true;
    label.append(box, " " + name);
    item.append(label);
    u.chips.append(item);
    u.chips.hidden = false;
    u.input.value = "";
    unitSay(u, "已添加 " + name + "，共选 " + (ticked + 1) + " 个");
  }
  document.addEventListener("htmx:afterSwap", function (evt) {
    var u = unitField(evt.detail.target);
    if (!u || evt.detail.target !== u.popup) return;
    var found = u.popup.querySelector("[role=option], .unit-note");
    unitActivate(u, null);  // new options: none is active until an arrow key says so
    unitShow(u, !!found && document.activeElement === u.input && !unitChosen(u));
  });
  document.addEventListener("input", function (evt) {
    var u = unitField(evt.target);
    if (!u || evt.target !== u.input) return;
    if (!u.input.value.trim()) {  // emptied: every unit, at once
      unitShow(u, false);
      if (u.value) unitSet(u, "", "");
      return;
    }
    // edited: the chosen unit holds only while the text is still its name (the form sends the text otherwise)
    if (u.value) u.value.value = u.input.value === u.value.getAttribute("data-name") ? u.value.getAttribute("data-id") : "";
  });
  document.addEventListener("change", function (evt) {  // typing is no choice: only the hidden id sends the form
    var u = unitField(evt.target);
    if (u && evt.target === u.input) evt.stopPropagation();
  }, true);
  document.addEventListener("keydown", function (evt) {
    var u = unitField(evt.target);
    if (!u || evt.target !== u.input) return;
    var options = unitOptions(u), open = !u.popup.hidden;
    var current = options.indexOf(document.getElementById(u.input.getAttribute("aria-activedescendant") || ""));
    if ((evt.key === "ArrowDown" || evt.key === "ArrowUp") && options.length) {
      evt.preventDefault();
      if (!open) unitShow(u, true);
      var next = evt.key === "ArrowDown" ? current + 1 : (current < 0 ? options.length : current) - 1;
      unitActivate(u, options[(next + options.length) % options.length]);
    } else if (evt.key === "Enter" && open && (current >= 0 || options.length === 1)) {
      evt.preventDefault();  // takes the option instead of sending the form
      unitChoose(u, options[Math.max(current, 0)]);
    } else if (evt.key === "Escape" && open) {
      evt.preventDefault();  // (a search box would clear itself)
      unitShow(u, false);
    }
  });
  document.addEventListener("mousedown", function (evt) {  // tapping an option keeps the focus in the text box
    if (evt.target.closest && evt.target.closest(".unit-popup")) evt.preventDefault();
  });
  document.addEventListener("click", function (evt) {
    var option = evt.target.closest ? evt.target.closest(".unit-popup [role=option]") : null;
    var u = option && unitField(option);
    if (u) unitChoose(u, option);
  });
  document.addEventListener("focusout", function (evt) {
    var u = unitField(evt.target);
    if (u && evt.target === u.input && !(evt.relatedTarget && u.box.contains(evt.relatedTarget))) unitShow(u, false);
  });
  // a chosen unit goes by its id alone: the address stays ?unit_id=…, and the name the server would look up
  // is only sent when no unit was taken from the list
  document.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.detail.elt, params = evt.detail.parameters;
    if (!form || form.tagName !== "FORM" || !params) return;
    form.querySelectorAll("[data-unit-search]").forEach(function (box) {
      var u = unitField(box);
      if (!unitChosen(u)) return;
      if (params instanceof FormData) params.delete(u.input.name);
      else delete params[u.input.name];
    });
  });
  // a refused form: its first error is brought to where the thumb is. The page is scrolled to the
  // first invalid field (its label above it, clear of the sticky save button) and the field takes the
  // focus; a form refused as a whole (a stale version, a suspected duplicate) shows its message, and a
  // checkbox inside it ("我已核实，仍要提交") takes the focus. After an htmx submit and on a full page
  // that comes back with errors (the server also marks that field autofocus, for browsers without
  // this file).
  var CONTROL = "input:not([type=hidden]), select, textarea";
  function shown(el) { return !!(el && el.getClientRects().length); }
  function firstError(root) {
    var inForm = function (el) { return !!el.closest("form"); };
    var field = Array.from(root.querySelectorAll("[aria-invalid=true]")).filter(inForm)[0];
    if (!field) {  // a message beside a field that is not marked: the field it describes
      var message = Array.from(root.querySelectorAll(".field-error[id]")).filter(inForm)[0];
      if (message) field = document.querySelector("[aria-describedby~='" + message.id + "']") || message;
    }
    if (field) return { focus: field, show: field, block: "center" };
    var summary = Array.from(root.querySelectorAll(".form-error[role=alert]")).filter(inForm)[0];
    if (!summary) return null;
    var inside = Array.from(summary.querySelectorAll(CONTROL)).filter(shown)[0];
    return { focus: inside || summary, show: summary, block: "start" };
  }
  function showFirstError(root) {
    var found = root && root.querySelectorAll ? firstError(root) : null;
    if (!found) return;
    var details = found.focus.closest("details:not([open])");
    if (details) details.open = true;
    if (!found.focus.matches(CONTROL + ", a, button, [tabindex]")) found.focus.setAttribute("tabindex", "-1");
    found.focus.focus({ preventScroll: true });
    found.show.scrollIntoView({ block: found.block });
    var box = found.focus.getBoundingClientRect();  // a long message: its checkbox still in sight
    if (box.bottom > window.innerHeight - 72) found.focus.scrollIntoView({ block: "end" });
  }
  document.addEventListener("htmx:afterSettle", function (evt) {
    var d = evt.detail, verb = d.requestConfig ? d.requestConfig.verb : "get";
    if (verb === "get" || !d.xhr || d.xhr.errorShown) return;  // filters refresh as one types: no jumps
    var root = evt.target && evt.target.isConnected ? evt.target : null;
    if (!root || !root.querySelector("[aria-invalid=true], .field-error, .form-error[role=alert]")) return;
    d.xhr.errorShown = true;
    showFirstError(root.closest("form") || root);
  });
  if (document.querySelector("form [aria-invalid=true], form .field-error, form .form-error[role=alert]")) {
    showFirstError(document.getElementById("content") || document.body);
  }
  // 打印 on the A4 documents (the award notice, the bulletins): shown only where this file runs
  document.querySelectorAll("[data-print]").forEach(function (btn) { btn.hidden = false; });
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) window.print();
  });
  // confirmation for destructive actions, without inline script
  document.addEventListener("submit", function (evt) {
    var msg = evt.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) evt.preventDefault();
  }, true);
  // a deliberate second step: a button marked data-needs-check (the funds review's 确认) stays
  // disabled until the checkbox that names it in data-enables (已核对凭证) is ticked
  function gateChecks(root) {
    (root || document).querySelectorAll("input[data-enables]").forEach(function (box) {
      var btn = document.getElementById(box.getAttribute("data-enables"));
      if (btn) btn.disabled = !box.checked;
    });
  }
  document.addEventListener("change", function (evt) {
    var box = evt.target.closest ? evt.target.closest("input[data-enables]") : null;
    if (!box) return;
    var btn = document.getElementById(box.getAttribute("data-enables"));
    if (btn) btn.disabled = !box.checked;
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { gateChecks(); });
  else gateChecks();
  document.addEventListener("htmx:load", function (evt) { gateChecks(evt.target); });
})();
