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
  // confirmation for destructive actions, without inline script
  document.addEventListener("submit", function (evt) {
    var msg = evt.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) evt.preventDefault();
  }, true);
})();
