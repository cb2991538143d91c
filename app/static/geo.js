// "记录当前位置": fills the hidden latitude/longitude fields from the browser, when the user asks.
(function () {
  "use strict";
  var button = document.getElementById("geo-button");
  // only where the browser can locate: it has the interface and the page came over HTTPS (or from
  // localhost), where browsers allow it; elsewhere the button would only ever answer "无法获取位置"
  if (!button || !navigator.geolocation || !window.isSecureContext) return;
  button.hidden = false;
  var ids = button.getAttribute("data-geo").split(",");
  var status = document.getElementById("geo-status");
  button.addEventListener("click", function () {
    status.textContent = "正在定位……";
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById(ids[0]).value = pos.coords.latitude.toFixed(6);
      document.getElementById(ids[1]).value = pos.coords.longitude.toFixed(6);
      status.textContent = "已记录位置 " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
    }, function () { status.textContent = "无法获取位置（可不填）"; }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
