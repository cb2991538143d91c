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
  // confirmation for destructive actions, without inline script
  document.addEventListener("submit", function (evt) {
    var msg = evt.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) evt.preventDefault();
  }, true);
})();
