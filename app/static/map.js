// The map (招商地图) on Leaflet 1.9.4 (/static/leaflet-1.9.4), with no request beyond this site unless a
// tile service is configured (data-tile-url). Two modes, from #map's data-mode:
//   browse: the points and clusters in view, fetched again after every move from data-points with the
//           filters of #map-filters; a tap on a point loads its card into #map-card (htmx), a tap on a
//           cluster zooms in.
//   pick:   a tap sets the marker and fills #f-latitude / #f-longitude of the location form.
// Coordinates arrive already in the map's own system (the server converts for a GCJ-02 tile service:
// app/services/geo.py), so this script converts nothing.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var d = el.dataset;
  var tileUrl = d.tileUrl || "";
  var map = L.map(el, { attributionControl: !!tileUrl, zoomSnap: 0.5, maxZoom: 18 });
  if (tileUrl) {
    L.tileLayer(tileUrl, {
      maxZoom: 18,
      subdomains: d.tileSubdomains || "abc",
      attribution: d.tileAttribution || ""
    }).addTo(map);
  }
  var b = (d.bounds || "73.4,18,135.1,53.6").split(",").map(Number);
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);

  JSON.parse(d.layers || "[]").forEach(function (url) {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      L.geoJSON(data, { interactive: false, style: function () { return { color: "#37474f", weight: 2, fill: false }; } })
        .addTo(map).bringToBack();
    });
  });

  if (d.mode === "pick") { pick(); } else { browse(); }

  function stateClass(kind, state) {
    if (kind === "project") {
      if (state === "signed" || state === "landed") return "st-signed";
      if (state === "started" || state === "completed") return "st-building";
      if (state === "production" || state === "full_capacity") return "st-running";
      return "st-early";
    }
    if (state === "available") return "st-available";
    if (state === "idle" || state === "supplied_unused" || state === "approved") return "st-idle";
    return kind === "park" ? "" : "st-in_use";
  }

  function browse() {
    var form = document.getElementById("map-filters");
    var wrap = document.getElementById("map-wrap");
    var status = document.getElementById("map-status");
    var layer = L.layerGroup().addTo(map);
    var pending = null;
    var timer = null;

    function filters() {
      var q = [];
      ["kind", "chain", "unit_id", "signed_from", "signed_to"].forEach(function (name) {
        var input = form && form.elements[name];
        if (input && input.value) q.push(name + "=" + encodeURIComponent(input.value));
      });
      return q;
    }

    function openCard(kind, id) {
      var target = document.getElementById("map-card");
      if (window.htmx) {
        htmx.ajax("GET", d.card + "/" + kind + "/" + id, { target: "#map-card", swap: "innerHTML" }).then(function () {
          target.scrollIntoView({ block: "nearest" });
        });
      } else {
        window.location.href = d.card + "/" + kind + "/" + id;
      }
    }

    function draw(data) {
      layer.clearLayers();
      data.clusters.forEach(function (c) {
        var m = L.marker([c.lat, c.lng], {
          icon: L.divIcon({ className: "map-cluster kind-" + c.kind, iconSize: [44, 44], html: "<span>" + Number(c.count) + "</span>" }),
          title: c.count + " 个" + ({ project: "项目", plot: "地块", building: "厂房楼宇", park: "园区" })[c.kind] + "，点击放大",
          keyboard: true,
          zIndexOffset: 1000  // above the single points: a cluster's number is never hidden
        });
        m.on("click", function () { map.setView([c.lat, c.lng], Math.min(map.getZoom() + 2, 18)); });
        layer.addLayer(m);
      });
      data.points.forEach(function (p) {
        var cls = "map-pt kind-" + p.kind + " " + stateClass(p.kind, p.state) + (p.warning ? " warn" : "");
        var m = L.marker([p.lat, p.lng], {
          icon: L.divIcon({ className: cls, iconSize: [44, 44], html: "" }),
          title: p.name + "（" + p.state_label + (p.warning ? "，有预警" : "") + "）",
          keyboard: true
        });
        m.on("click", function () { openCard(p.kind, p.id); });
        layer.addLayer(m);
        var icon = m.getElement();
        if (icon) {
          icon.setAttribute("aria-label", p.name);
          icon.setAttribute("data-kind", p.kind);
          icon.setAttribute("data-id", String(p.id));
        }
      });
      var n = data.points.length;
      data.clusters.forEach(function (c) { n += c.count; });
      status.textContent = n ? "视野内 " + n + " 个点" : "视野内没有点";
    }

    function load() {
      var bounds = map.getBounds();
      var q = [
        "bbox=" + [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map(function (v) {
          return Math.max(-180, Math.min(180, v)).toFixed(6);
        }).join(","),
        "zoom=" + Math.floor(map.getZoom())
      ].concat(filters());
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(d.points + "?" + q.join("&"), { credentials: "same-origin", signal: pending.signal })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data) { draw(data); el.setAttribute("data-loaded", String(Date.now())); }
          else { status.textContent = "筛选条件有误，请检查"; }
        })
        .catch(function () { /* superseded by a newer request */ });
    }

    function later() { clearTimeout(timer); timer = setTimeout(load, 150); }
    map.on("moveend", later);
    if (form) {
      form.addEventListener("change", function (e) {
        if (e.target.name === "colour") {
          wrap.className = "map-wrap colour-" + e.target.value;
        } else {
          later();
        }
        history.replaceState(null, "", "/map?" + new URLSearchParams(new FormData(form)).toString());
      });
      form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
    }
    load();
  }

  function pick() {
    var lat = document.getElementById("f-latitude");
    var lng = document.getElementById("f-longitude");
    var marker = null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.marker(latlng, {
          icon: L.divIcon({ className: "map-pt kind-project st-signed", iconSize: [44, 44], html: "" }),
          title: "所选位置", keyboard: false, interactive: false
        }).addTo(map);
      }
    }
    if (lat.value && lng.value && !isNaN(Number(lat.value)) && !isNaN(Number(lng.value))) {
      place([Number(lat.value), Number(lng.value)]);
      map.setView([Number(lat.value), Number(lng.value)], Math.max(map.getZoom(), 13));
    }
    map.on("click", function (e) {
      place(e.latlng);
      lat.value = e.latlng.lat.toFixed(6);
      lng.value = e.latlng.lng.toFixed(6);
      el.setAttribute("data-picked", lat.value + "," + lng.value);
    });
    [lat, lng].forEach(function (input) {
      input.addEventListener("change", function () {
        if (lat.value && lng.value && !isNaN(Number(lat.value)) && !isNaN(Number(lng.value))) {
          place([Number(lat.value), Number(lng.value)]);
        }
      });
    });
  }
})();
